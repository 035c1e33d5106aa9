"""The Case Details popup with Case Notes, reached from the header's case icon."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox_dialog import InboxDialog
from services import cases
from services.attachments.links import AttachmentLink
from services.cases import MAX_CASE_NOTES, ChatbotSummary
from services.errors import Refused


class CaseDetailsState(InboxDialog):
    case_open: bool = False
    case_number: int = 0
    case_status: str = ""
    case_origin: str = ""
    case_created_iso: str = ""
    case_category: str = ""
    case_interactions: int = 0
    case_editable: bool = False
    case_notes: str = ""
    case_error: str = ""
    case_saved: bool = False
    case_attachments: list[AttachmentLink] = []
    case_chatbot: list[ChatbotSummary] = []

    @rx.event
    async def open_case_details(self):
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id:
            return
        try:
            async with runtime.db().read() as session:
                details = await cases.case_details(session, identity=identity, interaction_id=inbox.selected_id)
        except Refused as refused:
            inbox.notice = str(refused)
            return
        self.case_number = details.case_id
        self.case_status, self.case_origin = details.status.capitalize(), details.origin
        self.case_created_iso, self.case_interactions = details.created_iso, details.interactions
        self.case_category = " / ".join(p for p in (details.category, details.subcategory) if p)
        self.case_editable, self.case_notes = details.editable, details.notes
        self.case_attachments, self.case_chatbot = details.attachments, details.chatbot
        self.case_error, self.case_saved, self.case_open = "", False, True

    @rx.event
    def set_case_open(self, value: bool):
        self.case_open = bool(value) and self.case_open

    @rx.event
    def set_case_notes(self, value: str):
        self.case_notes, self.case_saved = str(value)[:MAX_CASE_NOTES + 1], False

    @rx.event
    async def save_case_notes(self):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await cases.save_case_notes(session, identity=identity, interaction_id=inbox.selected_id,
                                            notes=self.case_notes, clock=runtime.clock)
        except Refused as refused:
            self.case_error = str(refused)
            return
        self.case_error, self.case_saved = "", True
