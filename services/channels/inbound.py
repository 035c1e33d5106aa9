"""An inbound SMS or WhatsApp message (Twilio's webhook form), stored once.

The organization is the one whose number was written to (`To`). The message joins the open interaction of
that phone number on that channel, or opens one that joins the customer's open case or a new case, exactly
as a chat does. The sender is only a contact (their phone, E.164): the interaction stays unverified until an
agent verifies them by passcode.
"""

from __future__ import annotations

import logging
from typing import Mapping

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import interactions
from services.channels import media_fetch
from services.channels.numbers import Address, organization_for, parse_address
from services.clock import Clock
from services.config import Settings
from services.db import lock_until_commit
from services.models import Interaction, Message
from services.text import MAX_MESSAGE_CHARS, clean_body

_log = logging.getLogger(__name__)

STORED, DUPLICATE, UNKNOWN_NUMBER, NOT_A_MESSAGE = "stored", "duplicate", "unknown-number", "not-a-message"


def message_text(fields: Mapping[str, str]) -> str:
    return clean_body(fields.get("Body"))[:MAX_MESSAGE_CHARS]


def _media_note(count: int) -> str:
    """What the panel shows for a message of media alone until its files are in."""
    return f"Attachment{'s' if count > 1 else ''} arriving"


async def _already_stored(session: AsyncSession, sid: str) -> bool:
    return (await session.exec(select(Message.id).where(Message.provider_id == sid))).first() is not None


async def _one_at_a_time(session: AsyncSession, organization_id: int, sender: Address) -> None:
    """Two messages from one number arriving together must not open two interactions."""
    await lock_until_commit(session, f"{organization_id}:{sender.channel}:{sender.number}")


async def _open_interaction_of(session: AsyncSession, organization_id: int, sender: Address) -> Interaction | None:
    return (await session.exec(
        select(Interaction).where(Interaction.organization_id == organization_id,
                                  Interaction.channel == sender.channel, Interaction.given_phone == sender.number,
                                  Interaction.state != "closed")
        .order_by(col(Interaction.id).desc()).limit(1).with_for_update())).first()


async def _store(session: AsyncSession, *, sid: str, sender: Address, to: Address, body: str,
                 media: list[str], clock: Clock, route_now: bool) -> str:
    organization = await organization_for(session, to)
    if organization is None:
        _log.warning("inbound %s %s to %s: no organization has this number; not stored", to.channel, sid, to.number)
        return UNKNOWN_NUMBER
    await _one_at_a_time(session, organization.id, sender)
    if await _already_stored(session, sid):  # after the lock: a retry racing its original sees it stored
        return DUPLICATE
    interaction = await _open_interaction_of(session, organization.id, sender)
    if interaction is None:
        interaction = await interactions.open_interaction(
            session, organization_id=organization.id, channel=sender.channel, clock=clock, phone=sender.number,
            channel_number=to.number, route_now=route_now)
    message = interactions.append_customer_message(session, interaction=interaction, body=body, at=clock(),
                                                   provider_id=sid)
    await session.flush()  # a concurrent retry of the same MessageSid fails here, on the unique index
    if media:  # fetched after Twilio has its answer, by the media loop
        media_fetch.queue(session, message=message, urls=media, at=clock())
        if not body:
            interaction.last_text = _media_note(len(media))
    return STORED


async def receive(db, *, fields: Mapping[str, str], clock: Clock, settings: Settings | None = None,
                  route_now: bool = True) -> str:
    """Store one webhook's message, and a fetch job per media file; returns STORED, DUPLICATE (a retry),
    UNKNOWN_NUMBER or NOT_A_MESSAGE. `settings` tell where Twilio's API is (TWILIO_API_BASE in tests). The
    webhook passes `route_now=False`: routing (a third of its cost) happens in the routing loop, after Twilio
    has its answer."""
    sid = (fields.get("MessageSid") or fields.get("SmsSid") or "").strip()
    if not sid or not fields.get("From") or not fields.get("To"):
        return NOT_A_MESSAGE
    sender, to = parse_address(fields["From"]), parse_address(fields["To"])
    try:
        async with db.transaction() as session:
            return await _store(session, sid=sid[:128], sender=sender, to=to, body=message_text(fields),
                                media=media_fetch.media_urls(fields, settings), clock=clock, route_now=route_now)
    except IntegrityError:
        async with db.read() as session:
            if await _already_stored(session, sid[:128]):
                return DUPLICATE  # the same message, stored by a retry that ran alongside this one
        raise
