"""A worked example of a team's own secondary screen (README: "Adding a secondary screen"): the customer's
notes as a full screen. One module, a state and a component; the last line registers it.

Turn it on with INBOX_SCREENS=inbox_app.screens.example_notes (the end-to-end tests do).
"""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.screens.parts import error, section
from inbox_app.screens.registry import register
from inbox_app.state.inbox_dialog import InboxDialog
from services import customer_notes
from services.customer_notes import NoteRow
from services.errors import Refused


class NotesScreenState(InboxDialog):
    notes: list[NoteRow] = []
    notes_error: str = ""

    @rx.event
    async def load(self):
        """Runs each time the screen is shown for an interaction: the service checks the agent may see it."""
        identity, inbox = await self._acting()
        if identity is None:
            return
        try:
            async with runtime.db().read() as session:
                self.notes = await customer_notes.customer_notes(session, identity=identity,
                                                                 interaction_id=inbox.selected_id)
        except Refused as refused:
            self.notes, self.notes_error = [], str(refused)
            return
        self.notes_error = ""


def _note(note: NoteRow) -> rx.Component:
    return rx.vstack(rx.text(note.author, " · ", rx.moment(note.at_iso, format="MMM D, YYYY HH:mm", local=True),
                             size="1", color="var(--gray-11)"),
                     rx.text(note.body, size="2", white_space="pre-wrap"), spacing="0", data_testid="notes-screen-note")


def notes_screen() -> rx.Component:
    return section("Customer notes", error(NotesScreenState.notes_error),
                   rx.cond(NotesScreenState.notes.length() > 0, rx.foreach(NotesScreenState.notes, _note),
                           rx.text("No notes yet.", size="1", color="var(--gray-11)")),
                   on_mount=NotesScreenState.load)


register("customer-notes", title="Customer Notes", opens_from="the Screens menu", component=notes_screen, in_menu=True)
