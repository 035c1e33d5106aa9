"""The new-interaction bell, on pages other than the inbox."""

from __future__ import annotations

import reflex as rx

from inbox_app import push, runtime
from inbox_app.state.session import SessionState
from services import events, interactions
from services.auth import Identity


class BellState(SessionState):
    count: int = 0

    async def _recount(self, identity: Identity | None) -> None:
        if identity is None:
            self.count = 0
            return
        async with runtime.db().read() as session:
            self.count = await interactions.bell_count(session, identity=identity)

    def _listen(self, identity: Identity) -> None:
        """Before reading: a change committed while the page reads is then pushed, never lost in between."""
        push.watch(self.router.session.client_token, BellState,
                   {events.agent_topic(identity.user_id), events.presence_topic(identity.user_id)},
                   page=self.router.route_id)

    async def _on_change(self, topics: set[str]) -> None:
        identity = await self._identity()
        presence = identity and events.presence_topic(identity.user_id)
        if identity and (presence in topics or events.EVERYTHING in topics):
            await self._follow_presence(identity)
        if not topics <= {presence}:
            await self._recount(identity)

    @rx.event
    async def on_load(self):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        self._listen(identity)
        await self._show_signed_in(identity)
        await self._recount(identity)
