"""An inbound SMS or WhatsApp message (Twilio's webhook form): staged by the webhook, stored by the inbound loop.

The webhook only stages the message (`stage`: one INSERT, which is also the MessageSid de-duplication) and
answers Twilio; the inbound loop (inbound_loop.py, inbound_batch.py) then stores staged messages in batches: the organization
is the one whose number was written to (`To`); the message joins the open interaction of that phone number on
that channel, or opens one that joins the customer's open case or a new case, exactly as a chat does. The
sender is only a contact (their phone, E.164): the interaction stays unverified until an agent verifies them
by passcode.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Mapping

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from services.channels import inbound_batch, media_fetch
from services.channels.inbound_batch import DUPLICATE, NOT_A_MESSAGE, STORED, UNKNOWN_NUMBER  # noqa: F401
from services.clock import Clock
from services.config import Settings
from services.models import InboundMessage
from services.text import MAX_MESSAGE_CHARS, clean_body

STAGED = "staged"
_SETTLE_TRIES = 200  # `receive` waits for its row at most this many passes (another caller may hold it)


def message_text(fields: Mapping[str, str]) -> str:
    return clean_body(fields.get("Body"))[:MAX_MESSAGE_CHARS]


def _sid(fields: Mapping[str, str]) -> str:
    return (fields.get("MessageSid") or fields.get("SmsSid") or "").strip()[:128]


@functools.cache
def _insert_once(dialect: str):
    """INSERT … ON CONFLICT (message_sid) DO NOTHING: a retry of a staged MessageSid inserts nothing. Built once
    per dialect: the statement is the same for every webhook."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(InboundMessage.__table__).on_conflict_do_nothing(index_elements=["message_sid"])


async def stage(db, *, fields: Mapping[str, str], clock: Clock, settings: Settings | None = None) -> str:
    """Keep the webhook's message for the inbound loop, in one statement; returns STAGED, DUPLICATE (that
    MessageSid was staged before: Twilio's retry) or NOT_A_MESSAGE. `settings` tell which media URLs are
    Twilio's (TWILIO_API_BASE in tests): only those are ever fetched."""
    sid = _sid(fields)
    if not sid or not fields.get("From") or not fields.get("To"):
        return NOT_A_MESSAGE
    media = media_fetch.media_urls(fields, settings)
    inserted = await db.execute_alone(_insert_once(db.dialect), dict(
        message_sid=sid, from_address=str(fields["From"])[:128], to_address=str(fields["To"])[:128],
        body=message_text(fields), media=json.dumps(media) if media else "", received_at=clock(),
        status="pending", outcome="", attempts=0, last_error=""))
    return STAGED if inserted == 1 else DUPLICATE


async def _outcome(db, sid: str) -> str:
    async with db.read() as session:
        row = (await session.exec(select(InboundMessage.status, InboundMessage.outcome)
                                  .where(InboundMessage.message_sid == sid))).first()
    return row[1] if row and row[0] != "pending" else ""


async def receive(db, *, fields: Mapping[str, str], clock: Clock, settings: Settings | None = None) -> str:
    """Stage one message and store it now (with whatever else is pending) as the inbound loop would: for
    callers that need it stored on return (tests, tools). Returns STORED, DUPLICATE (a retry), UNKNOWN_NUMBER
    or NOT_A_MESSAGE. The webhook stages only, and wakes the inbound loop."""
    staged = await stage(db, fields=fields, clock=clock, settings=settings)
    if staged != STAGED:
        return staged
    sid = _sid(fields)
    for _ in range(_SETTLE_TRIES):
        await inbound_batch.process_pending(db, clock=clock)
        if outcome := await _outcome(db, sid):
            return outcome
        await asyncio.sleep(0.01)  # claimed by a concurrent pass, or held behind an older message of its sender
    raise RuntimeError(f"inbound message {sid} was not stored")
