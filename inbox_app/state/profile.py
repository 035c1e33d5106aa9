"""The Customer Profile popup: the record's details and the customer notes."""

from __future__ import annotations

from dataclasses import replace

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox_dialog import InboxDialog
from services import customer_notes, customer_profile
from services.customer_notes import MAX_NOTE_CHARS, NoteRow
from services.errors import Refused


class ProfileState(InboxDialog):
    profile_open: bool = False
    notes: list[NoteRow] = []
    note_draft: str = ""
    note_error: str = ""
    # The profile record as a form; editable with the grant customer_profile_edit (the service decides).
    form: customer_profile.ProfileForm = customer_profile.ProfileForm()
    profile_error: str = ""
    profile_saved: bool = False

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
        self.profile_error, self.profile_saved = "", False
        try:
            async with runtime.db().read() as session:
                self.form = await customer_profile.profile_form(session, identity=identity,
                                                                interaction_id=inbox.selected_id)
        except Refused:
            self.form = customer_profile.ProfileForm()  # read-only facts from the header
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
    def edit_field(self, name: str, value: str):
        if name in ("first_name", "last_name", "email", "phone") and self.form.editable:
            self.form = replace(self.form, **{name: str(value)[:200]})
            self.profile_saved = False

    @rx.event
    async def save_profile(self):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        f = self.form
        try:
            async with runtime.db().transaction() as session:
                await customer_profile.update_profile(session, identity=identity, interaction_id=inbox.selected_id,
                                                      first_name=f.first_name, last_name=f.last_name, email=f.email,
                                                      phone=f.phone, clock=runtime.clock)
                self.form = await customer_profile.profile_form(session, identity=identity,
                                                                interaction_id=inbox.selected_id)
        except Refused as refused:
            self.profile_error, self.profile_saved = str(refused), False
            return
        self.profile_error, self.profile_saved = "", True
        await inbox._reload(identity, header=True)
