"""The Customer Profile popup: the record's details and the customer notes."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox_dialog import InboxDialog
from services import customer_notes
from services.customer_notes import MAX_NOTE_CHARS, NoteRow
from services.errors import Refused


class ProfileState(InboxDialog):
    profile_open: bool = False
    notes: list[NoteRow] = []
    note_draft: str = ""
    note_error: str = ""

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
