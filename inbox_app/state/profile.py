"""The Customer Profile popup: the record's details (editable with `customer_profile_edit`) and the customer
notes."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox_dialog import InboxDialog
from services import customer_notes, customer_profile
from services.customer_notes import MAX_NOTE_CHARS, NoteRow
from services.customer_profile import ProfileEdit
from services.errors import Refused


class ProfileState(InboxDialog):
    profile_open: bool = False
    notes: list[NoteRow] = []
    note_draft: str = ""
    note_error: str = ""
    can_edit_profile: bool = False  # the grant, as the server sees it: without it the fields are read-only
    profile_form_key: int = 0  # remounts the form's uncontrolled fields with the record's values
    profile_error: str = ""
    profile_saved: str = ""

    async def _load_notes(self, identity, interaction_id: int) -> None:
        async with runtime.db().read() as session:
            self.notes = await customer_notes.customer_notes(session, identity=identity,
                                                             interaction_id=interaction_id)

    @rx.event
    async def open_profile(self):
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id:
            return
        self.note_draft, self.note_error, self.notes = "", "", []
        self.profile_error, self.profile_saved = "", ""
        self.can_edit_profile = identity.can(customer_profile.GRANT) and bool(inbox.profile.customer_id)
        self.profile_form_key += 1
        try:
            await self._load_notes(identity, inbox.selected_id)
        except Refused as refused:
            self.note_error = str(refused)  # the profile still opens; only the notes are withheld
        self.profile_open = True

    @rx.event
    def set_profile_open(self, value: bool):
        self.profile_open = bool(value) and self.profile_open

    @rx.event
    def set_note_draft(self, value: str):
        self.note_draft = str(value)[:MAX_NOTE_CHARS + 1]

    @rx.event
    async def add_note(self):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await customer_notes.add_customer_note(session, identity=identity, interaction_id=inbox.selected_id,
                                                       body=self.note_draft, clock=runtime.clock)
            await self._load_notes(identity, inbox.selected_id)
        except Refused as refused:
            self.note_error = str(refused)
            return
        self.note_draft, self.note_error = "", ""

    @rx.event
    async def save_profile(self, form_data: dict):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        if not isinstance(form_data, dict):
            return
        edit = ProfileEdit(**{name: str(form_data.get(name, ""))[:400]
                              for name in ("first_name", "last_name", "email", "phone")})
        try:
            async with runtime.db().transaction(origin=inbox._tab_token()) as session:
                await customer_profile.update_profile(session, identity=identity, interaction_id=inbox.selected_id,
                                                      edit=edit, clock=runtime.clock)
        except Refused as refused:
            self.profile_error, self.profile_saved = str(refused), ""
            return
        self.profile_error, self.profile_saved = "", "Profile saved."
        await inbox._reload(identity, header=True)
        self.profile_form_key += 1
