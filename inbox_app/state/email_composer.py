"""The email composer's To, Cc and Subject: a small state of their own beside the inbox, so typing an address
resends three strings, not the inbox. The body is the inbox's formatted message box; Send is the inbox's."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox_dialog import InboxDialog
from services import interactions
from services.channels import email_compose
from services.channels.email_compose import EmailFields
from services.errors import Refused

_MAX_FIELD = 2000


class EmailComposerState(InboxDialog):
    email_to: str = ""
    email_cc: str = ""
    email_subject: str = ""
    _for: int = 0  # the interaction these fields were filled for

    @rx.event
    async def load_defaults(self):
        """When the composer opens on an interaction: To the customer, the case's subject."""
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id or self._for == inbox.selected_id:
            return
        try:
            async with runtime.db().read() as session:
                interaction = await interactions.assigned_interaction(session, identity=identity,
                                                                      interaction_id=inbox.selected_id)
                fields = await email_compose.defaults(session, interaction)
        except Refused:  # not this agent's (any more): nothing of another interaction's stays shown
            self.email_to, self.email_cc, self.email_subject, self._for = "", "", "", 0
            return
        self.email_to, self.email_cc, self.email_subject = fields.to, "", fields.subject
        self._for = inbox.selected_id

    @rx.event
    def set_email_to(self, value: str):
        self.email_to = str(value)[:_MAX_FIELD]

    @rx.event
    def set_email_cc(self, value: str):
        self.email_cc = str(value)[:_MAX_FIELD]

    @rx.event
    def set_email_subject(self, value: str):
        self.email_subject = str(value)[:_MAX_FIELD]

    def _fields_for(self, interaction_id: int) -> EmailFields | None:
        """What the agent typed, if it was typed for this interaction (else the service asks for a To)."""
        if self._for != interaction_id:
            return None
        return EmailFields(to=self.email_to, cc=self.email_cc, subject=self.email_subject)
