"""Chat inactivity: a customer who leaves the agent's message unanswered for the organization's timeout has left.

The silence that counts is the customer's, not the agent's: an agent's chat reply arms the deadline,
Interaction.inactive_due_at = that moment + the organization's "Chat inactivity timeout (minutes)" as it was
when the chat started (a changed setting applies to chats started from then on), and the customer's next
message disarms it. A customer waiting on a busy agent never times out (the SOP's bounce is what moves a chat
no agent picks up).
A deadline that passes is claimed by the bounce-and-transfer loop, in batches with SKIP LOCKED like bounces,
so it fires once with any number of workers. Then the chat is inactive for the agent: the row shows it
inactive, the message box goes (there is no one to answer), the customer's chat ends, a pending transfer is
abandoned and the bounce deadline is disarmed. The agent still wraps it up.

Only assigned chats go inactive (an agent's reply is what arms the deadline anyway).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, interactions
from services.clock import Clock
from services.errors import Refused
from services.models import Interaction, Organization

MIN_MINUTES, MAX_MINUTES = 1, 24 * 60
LABEL = "Chat inactivity timeout"


def parse_minutes(text: str) -> int:
    """The setting as whole minutes, or Refused naming it; nothing is saved then."""
    text = str(text).strip()
    if not text.isdigit() or not MIN_MINUTES <= int(text) <= MAX_MINUTES:
        raise Refused(f"{LABEL} must be a whole number of minutes from {MIN_MINUTES} to {MAX_MINUTES}.")
    return int(text)


def start(interaction: Interaction, organization: Organization, at: datetime) -> None:
    """A chat starts at `at` with the organization's timeout; it runs once an agent has written."""
    if interaction.channel == "chat":
        interaction.inactivity_minutes = organization.chat_inactivity_minutes


def customer_spoke(interaction: Interaction, *, at: datetime) -> None:
    """The customer answered: they are waiting on the agent now. In memory, on the row the caller holds: it goes
    out in the same UPDATE as the message's last author and text, so a message costs no statement more."""
    interaction.inactive_due_at = None


def agent_spoke(interaction: Interaction, *, at: datetime) -> None:
    """The agent wrote in the chat: the customer is expected to answer within the timeout (in memory too)."""
    if interaction.inactivity_minutes and interaction.channel == "chat" and not interaction.chat_ended_at:
        interaction.inactive_due_at = at + timedelta(minutes=interaction.inactivity_minutes)


async def _claim(session: AsyncSession, *, now: datetime, limit: int) -> list[Interaction]:
    return list((await session.exec(
        select(Interaction).where(col(Interaction.inactive_due_at) <= now, Interaction.state == "assigned",
                                  col(Interaction.chat_ended_at).is_(None))
        .order_by(Interaction.inactive_due_at, Interaction.id).limit(limit)
        .with_for_update(skip_locked=True))).all())


async def _go_inactive(session: AsyncSession, interaction: Interaction, *, now: datetime) -> None:
    interaction.inactive_due_at, interaction.bounce_due_at = None, None  # no one left to bounce it for
    interaction.inactive_at = interaction.chat_ended_at = now  # the customer's chat is over too
    await interactions.abandon_transfer(session, interaction_id=interaction.id, at=now)
    interactions.add_system_message(
        session, interaction=interaction, at=now,
        body="The customer was inactive past the inactivity timeout: the chat has ended and is now inactive.")
    events.notify(session, events.agent_topic(interaction.assignee_id))  # the row turns inactive, live
    audit.record(session, at=now, kind="chat.inactive", organization_id=interaction.organization_id,
                 subject=f"interaction:{interaction.id}", user_id=interaction.assignee_id)


async def expire_batch(session: AsyncSession, *, clock: Clock, limit: int = 50) -> int:
    """Mark up to `limit` silent chats inactive in one transaction; returns how many."""
    now = clock()
    claimed = await _claim(session, now=now, limit=limit)
    for interaction in claimed:
        await _go_inactive(session, interaction, now=now)
    return len(claimed)


async def expire_due(db, *, clock: Clock, batch: int = 50) -> int:
    """Every silent chat whose deadline passed, a batch per short transaction. Returns how many went inactive."""
    expired = 0
    while True:
        async with db.transaction() as session:
            done = await expire_batch(session, clock=clock, limit=batch)
        expired += done
        if done < batch:
            return expired
