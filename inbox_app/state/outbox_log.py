"""The outbox, for managers: what was sent to customers' email and phones, and what is held or failed."""

from __future__ import annotations

import reflex as rx

from inbox_app import push, runtime
from inbox_app.state.bell import BellState
from inbox_app.state.manager_page import ManagerPage
from services import events, outbox
from services.errors import Refused
from services.outbox import OutboxRow


class OutboxState(ManagerPage, BellState):
    outbound: list[OutboxRow] = []

    async def _refresh(self, identity) -> None:
        async with runtime.db().read() as session:
            self.outbound = await outbox.listing(session, identity=identity)
        self.allowed = identity.can(outbox.GRANT)
        if self.allowed:  # statuses change live as workers deliver
            push.watch(self.router.session.client_token, OutboxState,
                       {events.outbox_topic(org) for org in identity.organization_ids}, page=self.router.route_id)

    async def _on_change(self, topics: set[str]) -> None:
        identity = await self._identity()
        if identity is not None:
            await self._refresh(identity)

    @rx.event
    async def retry(self, outbound_id: int):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await outbox.retry(session, identity=identity, outbound_id=outbound_id, clock=runtime.clock)
        except Refused as refused:
            self.error = str(refused)
            return
        self.error = ""
        await self._refresh(identity)
