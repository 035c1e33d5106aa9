"""Twilio's delivery status callbacks move an agent's message forward only.

queued → sent → delivered → read, or undelivered / failed with Twilio's ErrorCode. Callbacks can arrive out of
order (Twilio sends them from several machines), so a status that is not further along than the message's
is ignored, and undelivered or failed is final. A callback can also arrive before the message knows its Twilio
id (the sending transaction has not committed yet): it is kept and applied when the id is recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import events
from services.db import lock_until_commit
from services.models import EarlyDeliveryStatus, Interaction, Message

# Twilio's statuses as the conversation shows them; anything before "sent" is still "queued" to the agent.
_SHOWN = {"accepted": "queued", "scheduled": "queued", "queued": "queued", "sending": "queued", "sent": "sent",
          "delivered": "delivered", "read": "read", "undelivered": "undelivered", "failed": "failed"}
_RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}
FINAL = frozenset({"undelivered", "failed"})
EARLY_KEPT = timedelta(days=1)  # a kept callback no message claimed by then never will be


async def _one_at_a_time(session: AsyncSession, sid: str) -> None:
    """The callback and the send that records its id take turns, so neither can miss the other's uncommitted
    write."""
    await lock_until_commit(session, f"twilio-status:{sid}")


def moves_forward(current: str, new: str) -> bool:
    if current in FINAL or new not in _SHOWN.values():
        return False
    if new in FINAL:
        return current != "read"  # a message the customer read was delivered, whatever a late callback says
    return _RANK[new] > _RANK.get(current, -1)


def failure_reason(status: str, error_code: str) -> str:
    code = "".join(ch for ch in (error_code or "") if ch.isalnum())[:16]
    reason = "Not delivered" if status == "undelivered" else "Failed"
    return f"{reason} (Twilio error {code})" if code else reason


async def record(session: AsyncSession, *, sid: str, status: str, at: datetime, error_code: str = "") -> bool:
    """Apply one callback to the agent's message Twilio knows as `sid`; True when the status moved. One for an
    id no message has yet is kept for `apply_early`."""
    new = _SHOWN.get((status or "").strip().lower())
    if not sid or not new:
        return False
    await _one_at_a_time(session, sid)
    message = (await session.exec(select(Message).where(Message.provider_id == sid, Message.author == "agent")
                                  .with_for_update())).first()
    if message is None:
        await _keep_early(session, sid=sid, status=new, error_code=error_code, at=at)
        return False
    return _move(session, message, new, error_code) and await _told(session, message)


def _move(session: AsyncSession, message: Message, new: str, error_code: str) -> bool:
    if not moves_forward(message.delivery_status, new):
        return False
    message.delivery_status = new
    message.failure_reason = failure_reason(new, error_code) if new in FINAL else ""
    session.add(message)
    return True


async def _told(session: AsyncSession, message: Message) -> bool:
    """The conversation, its agent and the organization's /outbox see the new status."""
    interaction = await session.get(Interaction, message.interaction_id)
    events.notify_interaction(session, interaction, events.outbox_topic(interaction.organization_id))
    return True


async def _keep_early(session: AsyncSession, *, sid: str, status: str, error_code: str, at: datetime) -> None:
    kept = (await session.exec(select(EarlyDeliveryStatus.id).where(EarlyDeliveryStatus.sid == sid[:128],
                                                                    EarlyDeliveryStatus.status == status))).first()
    if kept is None:  # Twilio's retry of the same callback
        session.add(EarlyDeliveryStatus(sid=sid[:128], status=status, error_code=(error_code or "")[:16],
                                        received_at=at))


async def apply_early(session: AsyncSession, message: Message) -> None:
    """The message just learnt its Twilio id: callbacks that came first move it on now, in status order."""
    await _one_at_a_time(session, message.provider_id)
    early = (await session.exec(select(EarlyDeliveryStatus).where(EarlyDeliveryStatus.sid == message.provider_id))
             ).all()
    for row in sorted(early, key=lambda row: (row.status in FINAL, _RANK.get(row.status, 0))):
        _move(session, message, row.status, row.error_code)
    if early:
        await session.exec(delete(EarlyDeliveryStatus).where(EarlyDeliveryStatus.sid == message.provider_id))


async def forget_unmatched(db, *, before: datetime) -> int:
    async with db.transaction() as session:
        gone = await session.exec(delete(EarlyDeliveryStatus).where(EarlyDeliveryStatus.received_at < before))
    return gone.rowcount
