"""Managers maintain the teams of their organizations and their members (/settings/teams)."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.bell import BellState
from inbox_app.state.manager_page import ManagerPage
from services import teams
from services.errors import Refused
from services.teams import OrganizationChoice, TeamRow


class TeamsSettingsState(ManagerPage, BellState):
    teams: list[TeamRow] = []
    organizations: list[OrganizationChoice] = []
    organization_id: str = ""

    async def _refresh(self, identity) -> None:
        async with runtime.db().read() as session:
            self.organizations = await teams.organizations(session, identity=identity)
            self.teams = await teams.listing(session, identity=identity)
        self.allowed = identity.can(teams.GRANT)
        ids = [str(o.organization_id) for o in self.organizations]
        if self.organization_id not in ids:
            self.organization_id = ids[0] if ids else ""

    async def _change(self, work, done: str):
        """Run one service call in a transaction; show its refusal, or `done` and the fresh list."""
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await work(session, identity)
        except (TypeError, ValueError):
            self.error, self.saved = "That was not found.", ""
            return
        except Refused as refused:
            self.error, self.saved = str(refused), ""
            return
        self.error, self.saved = "", done
        await self._refresh(identity)

    @rx.event
    def set_organization_id(self, value: str):
        self.organization_id = str(value)

    @rx.event
    async def add_team(self, form_data: dict):
        name = " ".join(str(form_data.get("name", "")).split())[:200]
        return await self._change(
            lambda session, identity: teams.add(session, identity=identity, organization_id=int(self.organization_id),
                                                name=name, clock=runtime.clock),
            f"Added {name}.")

    @rx.event
    async def remove_team(self, team_id: int):
        return await self._change(
            lambda session, identity: teams.remove(session, identity=identity, team_id=int(team_id),
                                                   clock=runtime.clock),
            "Team deleted.")

    @rx.event
    async def add_member(self, form_data: dict):
        return await self._change(
            lambda session, identity: teams.add_member(session, identity=identity,
                                                       team_id=int(str(form_data.get("team_id", ""))),
                                                       user_id=int(str(form_data.get("member", ""))),
                                                       clock=runtime.clock),
            "Member added.")

    @rx.event
    async def remove_member(self, team_id: int, user_id: int):
        return await self._change(
            lambda session, identity: teams.remove_member(session, identity=identity, team_id=int(team_id),
                                                          user_id=int(user_id), clock=runtime.clock),
            "Member removed.")
