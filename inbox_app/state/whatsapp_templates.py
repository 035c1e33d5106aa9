"""The `WhatsApp template` popup: send one of the organization's approved templates, filled in.

WhatsApp allows free text only within 24 hours of the customer's last message; a template is the way to
write after that. The service checks the interaction, the template's organization and every value.
"""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox_dialog import InboxDialog
from services import interactions
from services.channels import whatsapp, whatsapp_templates
from services.channels.whatsapp import MAX_VALUE_CHARS, TemplateChoice
from services.errors import Refused


class WhatsAppTemplateState(InboxDialog):
    template_open: bool = False
    templates: list[TemplateChoice] = []
    template_name: str = ""
    template_values: list[str] = []
    template_placeholders: list[str] = []  # "1", "2", … of the chosen template
    template_preview: str = ""  # the approved text, placeholders unfilled
    template_error: str = ""

    def _chosen(self) -> TemplateChoice | None:
        return next((t for t in self.templates if t.name == self.template_name), None)

    @rx.event
    async def open_templates(self):
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id:
            return
        try:
            async with runtime.db().read() as session:
                interaction = await interactions.active_interaction(session, identity=identity,
                                                                    interaction_id=inbox.selected_id)
                self.templates = await whatsapp.templates(session, organization_id=interaction.organization_id)
        except Refused as refused:
            inbox.notice = str(refused)
            return
        self.template_name, self.template_values, self.template_error = "", [], ""
        self.template_placeholders, self.template_preview = [], ""
        self.template_open = True

    @rx.event
    def set_template_open(self, value: bool):
        self.template_open = bool(value) and self.template_open

    @rx.event
    def choose_template(self, name: str):
        """Only a template the server listed for this interaction can be chosen."""
        chosen = next((t for t in self.templates if t.name == name), None)
        if chosen is not None:
            self.template_name, self.template_values = chosen.name, [""] * len(chosen.placeholders)
            self.template_placeholders, self.template_preview = chosen.placeholders, chosen.body

    @rx.event
    def set_template_value(self, index: int, value: str):
        if isinstance(index, int) and 0 <= index < len(self.template_values):
            self.template_values[index] = str(value)[:MAX_VALUE_CHARS]

    @rx.event
    async def send_template(self):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        chosen = self._chosen()
        if chosen is None:
            self.template_error = "Choose a template."
            return
        try:
            async with runtime.db().transaction() as session:
                await whatsapp_templates.send_template(session, identity=identity, interaction_id=inbox.selected_id,
                                                       template_id=chosen.template_id, values=self.template_values,
                                                       clock=runtime.clock)
        except Refused as refused:
            self.template_error = str(refused)
            return
        self.template_open, self.template_error = False, ""
