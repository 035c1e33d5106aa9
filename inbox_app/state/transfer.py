"""The Transfer popup: search the interaction's organization's teams, pick one, transfer; then the result."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox_dialog import InboxDialog
from services import interactions, teams, transfers
from services.errors import NotFound, Refused
from services.teams import TeamOption


class TransferState(InboxDialog):
    open: bool = False
    search: str = ""
    options: list[TeamOption] = []
    team_id: str = ""  # the chosen radio
    error: str = ""
    result_open: bool = False
    result_team: str = ""
    result_agent: str = ""  # empty: awaiting transfer

    async def _load_options(self) -> None:
        """Teams with their availability, computed now (when the popup opens, or the search changes)."""
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id or not identity.can(transfers.GRANT):
            raise NotFound("That interaction")
        async with runtime.db().read() as session:
            interaction = await interactions.active_interaction(session, identity=identity,
                                                                interaction_id=inbox.selected_id)
            self.options = await teams.options(session, identity=identity, interaction=interaction,
                                               search=self.search)

    @rx.event
    async def open_transfer(self):
        self.search, self.team_id, self.error = "", "", ""
        try:
            await self._load_options()
        except Refused as refused:
            self.error = str(refused)
            return
        self.open = True

    @rx.event
    async def set_search(self, value: str):
        self.search = str(value)[:80]
        try:
            await self._load_options()
        except Refused as refused:
            self.options, self.error = [], str(refused)

    @rx.event
    def set_team_id(self, value: str):
        self.team_id = str(value)[:12]

    @rx.event
    def set_open(self, value: bool):
        self.open = bool(value)

    @rx.event
    def set_result_open(self, value: bool):
        self.result_open = bool(value)

    @rx.event
    async def submit(self):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        if not self.team_id.isdigit():
            self.error = "Choose a team."
            return
        try:
            async with runtime.db().transaction(origin=inbox._tab_token()) as session:
                outcome = await transfers.request_transfer(session, identity=identity,
                                                           interaction_id=inbox.selected_id,
                                                           team_id=int(self.team_id), clock=runtime.clock)
        except Refused as refused:
            self.error = str(refused)
            return
        self.open, self.error = False, ""
        self.result_team, self.result_agent, self.result_open = outcome.team_name, outcome.agent_name, True
        if not outcome.awaiting:
            inbox._clear_selection()  # it has left this agent's panel
        await inbox._reload(identity)
