"""The loop that runs in every worker beside the routing loop: bounces passed deadlines, marks chats whose
customer went silent inactive, completes pending transfers (oldest request first, per team) and ticks the
bounce timers of this worker's tabs.

Claims are row locks (services/bouncing.py, services/transfers.py), so any number of these loops share the
work and each deadline fires once; a worker killed midway rolls back and another loop claims the row. It wakes
at the next timer step or deadline, when a committed change says an agent may now take a transfer
(events.QUEUE_MOVED), and at least every `interval` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Awaitable, Callable

from services import bouncing, events, inactivity, transfers
from services.clock import Clock

_log = logging.getLogger(__name__)
Tick = Callable[[set[str]], Awaitable[None]]


async def run_pass(db, *, clock: Clock, since: datetime, tick: Tick = events.deliver_locally,
                   interval: float = 1.0) -> tuple[datetime, float]:
    """One pass. Returns this pass's time (the next pass's `since`) and how long to sleep."""
    await bouncing.bounce_due(db, clock=clock)
    await inactivity.expire_due(db, clock=clock)  # before transfers: a customer who left is not handed over
    await transfers.complete_pending(db, clock=clock)
    now = clock()
    async with db.read() as session:
        changed = await bouncing.timer_changes(session, since=since, now=now)
        upcoming = await bouncing.next_timer_step(session, now=now, within=interval)
    if changed:
        await tick({events.bounce_timer_topic(agent) for agent in changed})
    wait = interval if upcoming is None else min(interval, max(0.05, (upcoming - clock()).total_seconds()))
    return now, wait


async def run_handoff_loop(db, *, clock: Clock, interval: float = 1.0) -> None:
    since = clock()
    while True:
        wait = interval
        try:
            since, wait = await run_pass(db, clock=clock, since=since, interval=interval)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("bounce and transfer loop pass failed; retrying")
        await events.queue_moved(wait, waiter="handoffs")
