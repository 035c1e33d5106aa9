"""Quick responses (chips under the message box) and Search templates, for the selected interaction.

Only templates of the selected interaction's organization and channel are ever offered, and the template an
agent picks is checked again on the server before its body (variables filled) goes into the message box.
The interaction's organization and channel are kept server-side (`_`-prefixed) between keystrokes, so a
search loads this small state and not the inbox.
"""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox_dialog import InboxDialog
from services import formatting, interactions
from services.errors import Refused
from services.templates import listing, search, variables
from services.templates.listing import Chip
from services.templates.search import MAX_QUERY, Result

_MAX_DRAFT = 5000  # InboxState.set_draft's limit


class QuickResponsesState(InboxDialog):
    chips: list[Chip] = []
    query: str = ""
    results: list[Result] = []
    searched: bool = False  # a search ran for the current query: "No template matches" may be said
    flag: str = ""  # variables left unfilled in what was just inserted
    _interaction_id: int = 0
    _organization_id: int = 0
    _channel: str = ""

    def _clear(self) -> None:
        self.chips, self.results, self.query, self.searched, self.flag = [], [], "", False, ""
        self._interaction_id, self._organization_id, self._channel = 0, 0, ""

    async def _context(self, identity, inbox):
        """The selected interaction, if it is still the agent's and open; its organization and channel."""
        if not inbox.selected_id:
            return None
        async with runtime.db().read() as session:
            interaction = await interactions.active_interaction(session, identity=identity,
                                                                interaction_id=inbox.selected_id)
        channel = inbox.reply_via if inbox.reply_via in ("chat", "sms", "whatsapp", "email") else interaction.channel
        self._interaction_id, self._organization_id, self._channel = interaction.id, interaction.organization_id, channel
        return interaction

    @rx.event
    async def load(self):
        """When the message box appears for an interaction (or Reply via changes): its chips."""
        identity, inbox = await self._acting()
        self._clear()
        if identity is None:
            return
        try:
            if await self._context(identity, inbox) is None:
                return
        except Refused:
            return
        async with runtime.db().read() as session:
            self.chips = await listing.quick_responses(session, identity=identity,
                                                       organization_id=self._organization_id, channel=self._channel)

    @rx.event
    async def search_for(self, value: str):
        self.query = str(value)[:MAX_QUERY]
        identity = await self._identity()
        if identity is None or not self._organization_id or not self.query.strip():
            self.results, self.searched = [], False
            return
        async with runtime.db().read() as session:
            self.results = await search.search(session, identity=identity, organization_id=self._organization_id,
                                               channel=self._channel, query=self.query)
        self.searched = True

    @rx.event
    def clear_search(self):
        self.query, self.results, self.searched = "", [], False

    @rx.event
    async def use(self, template_id: int, cursor: int = -1):
        """The template's body, variables filled, into the message box where the cursor was."""
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            interaction = await self._context(identity, inbox)
            if interaction is None:
                return
            async with runtime.db().read() as session:
                template = await listing.usable(session, identity=identity, organization_id=self._organization_id,
                                                channel=self._channel, template_id=int(template_id))
                if template is None:
                    self.flag = "That template is not available for this interaction."
                    return
                values = await variables.values_for(session, identity=identity, interaction=interaction)
        except (Refused, TypeError, ValueError):
            self.flag = "That template is not available for this interaction."
            return
        filled = variables.fill(template.body, values, html=template.body_format == formatting.HTML)
        position = cursor if isinstance(cursor, int) else -1
        # HTML for the formatted box; for SMS/WhatsApp the plain text, no tags shown.
        text = formatting.for_box(filled.text, template.body_format, formatted=inbox.formatted_composer)
        inbox._server_draft((formatting.insert_at_text_offset(inbox.draft, text, position)
                             if inbox.formatted_composer else variables.insert_at(inbox.draft, text, position))
                            [:_MAX_DRAFT])
        inbox._count_segments()
        self.flag = (f"Check {', '.join(filled.unfilled)} before sending: there was nothing to fill "
                     f"{'it' if len(filled.unfilled) == 1 else 'them'} with." if filled.unfilled else "")
        self.query, self.results, self.searched = "", [], False
        return rx.set_focus("message-box")
