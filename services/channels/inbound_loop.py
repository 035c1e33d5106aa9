"""The inbound loop of each worker: stores staged SMS and WhatsApp messages (inbound_batch.py) as soon as this
worker's webhook wakes it, and every `interval` all the same (rows another worker staged, retries due); and
forgets stored rows after a week."""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select

from services import events
from services.channels.inbound_batch import BATCH, process_pending
from services.clock import Clock
from services.models import InboundMessage

_log = logging.getLogger(__name__)

KEPT = timedelta(days=7)  # a stored row's MessageSid is still the message's own (unique) after it is forgotten
PRUNE_EVERY = timedelta(minutes=10)


async def forget_stored(db, *, before: datetime, limit: int = 5000) -> int:
    """Stored rows are only their messages' raw form: forgotten after KEPT. A late retry is staged again and
    found stored (`_stored_already`). Failed rows stay: they are the trace of what was not stored."""
    async with db.transaction() as session:
        old = select(InboundMessage.id).where(InboundMessage.status == "done",
                                              col(InboundMessage.processed_at) < before).limit(limit)
        gone = await session.exec(delete(InboundMessage).where(col(InboundMessage.id).in_(old)))
    return gone.rowcount


_wakers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event]" = weakref.WeakKeyDictionary()


def _waker() -> asyncio.Event:
    loop = asyncio.get_running_loop()
    if loop not in _wakers:
        _wakers[loop] = asyncio.Event()
    return _wakers[loop]


def wake() -> None:
    """A message was staged: this worker's inbound loop stores it now rather than at its next look."""
    _waker().set()


async def _woken(timeout: float) -> bool:
    return await events.woken(_waker(), timeout)


async def run_inbound_loop(db, *, clock: Clock, interval: float = 1.0, gather: float = 0.05,
                           behind_wait: float = 0.05) -> None:
    """Stores staged messages when the webhook wakes it, and every `interval` (rows staged by another worker,
    retries). Once woken it lets `gather` seconds of messages come first: a batch costs about eight of its
    messages' CPU in fixed statements (bench/README.md), so at a trickle one message a batch would cost most
    of the inbox's CPU, while 50 ms is nothing to the agent. Keeps going while batches come back full."""
    prune_at = clock()
    while True:
        try:
            if clock() >= prune_at:
                prune_at = clock() + PRUNE_EVERY
                await forget_stored(db, before=clock() - KEPT)
            done = await process_pending(db, clock=clock)
            while done.claimed >= BATCH:
                done = await process_pending(db, clock=clock)
            if done.deferred:  # an older message of the sender is being stored by another pass: look again soon
                await asyncio.sleep(behind_wait)
                continue
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("inbound pass failed; retrying")
        if await _woken(interval):
            await asyncio.sleep(gather)
