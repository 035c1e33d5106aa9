"""Twilio's delivery status callbacks move an agent's message forward only.

queued → sent → delivered → read, or undelivered / failed with Twilio's ErrorCode. Callbacks can arrive out of
order (Twilio sends them from several machines), so a status that is not further along than the message's
is ignored, and undelivered or failed is final.
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import events
from services.models import Interaction, Message

# Twilio's statuses as the conversation shows them; anything before "sent" is still "queued" to the agent.
_SHOWN = {"accepted": "queued", "scheduled": "queued", "queued": "queued", "sending": "queued", "sent": "sent",
          "delivered": "delivered", "read": "read", "undelivered": "undelivered", "failed": "failed"}
_RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}
FINAL = frozenset({"undelivered", "failed"})


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


async def record(session: AsyncSession, *, sid: str, status: str, error_code: str = "") -> bool:
    """Apply one callback to the agent's message Twilio knows as `sid`; True when the status moved."""
    new = _SHOWN.get((status or "").strip().lower())
    message = (await session.exec(select(Message).where(Message.provider_id == sid, Message.author == "agent")
                                  .with_for_update())).first() if sid and new else None
    if message is None or not moves_forward(message.delivery_status, new):
        return False
    message.delivery_status = new
    message.failure_reason = failure_reason(new, error_code) if new in FINAL else ""
    session.add(message)
    interaction = await session.get(Interaction, message.interaction_id)
    topics = [events.interaction_topic(interaction.id)]
    if interaction.assignee_id:
        topics.append(events.agent_topic(interaction.assignee_id))
    events.notify(session, *topics)
    return True
