"""The bounce timers of the signed-in agent's interactions: 15, 10, 5 seconds before the SOP is reached.

A state of its own beside the inbox, holding one small dict: a tick (every 5 s, sent by the worker's bounce loop,
services/handoff_loop.py) reads and sends only this, never the panel's rows. The numbers come from the deadlines
stored in the database, so a reload shows the same timer.
"""

from __future__ import annotations

from inbox_app import runtime
from inbox_app.push import assign_if_changed
from inbox_app.state.session import SessionState
from services import bouncing
from services.auth import Identity


class BounceTimerState(SessionState):
    seconds: dict[str, int] = {}  # interaction id (as text) -> 15, 10 or 5

    async def _refresh(self, identity: Identity | None) -> None:
        if identity is None:
            assign_if_changed(self, "seconds", {})
            return
        async with runtime.db().read() as session:
            timers = await bouncing.timers(session, identity=identity, clock=runtime.clock)
        assign_if_changed(self, "seconds", timers)

    async def _on_change(self, topics: set[str]) -> None:
        await self._refresh(await self._identity())
