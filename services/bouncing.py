"""Bouncing: an interaction never waits on an agent who is not there.

Every assignment arms a deadline (Interaction.bounce_due_at = assigned_at + SOP). Selecting the interaction
disarms it; so does a pending transfer (the transfer outranks the bounce) and closing it. A deadline that
passes armed is claimed by one bounce loop: the interaction row is locked (skipping one another loop holds)
and re-checked inside that transaction, so a deadline bounces exactly once with any number of workers, and an
agent's selection at the same instant either commits first (no bounce) or finds the interaction gone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, interactions, routing, sop
from services.auth import Identity
from services.clock import Clock
from services.models import Bounce, Interaction, Organization, TransferRequest, User
from services.text import full_name


def display_name(user: User) -> str:
    return full_name(user.first_name, user.last_name) or user.user_id


async def due_ids(session: AsyncSession, *, now: datetime, limit: int = 200) -> list[int]:
    query = (select(Interaction.id).where(col(Interaction.bounce_due_at) <= now, Interaction.state == "assigned")
             .order_by(Interaction.bounce_due_at, Interaction.id).limit(limit))
    return list((await session.exec(query)).all())


async def _awaiting_transfer(session: AsyncSession, interaction: Interaction) -> bool:
    """The interaction, or another interaction of its case, awaits a transfer: the transfer outranks the bounce."""
    of_the_case = select(Interaction.id).where(Interaction.case_id == interaction.case_id)
    return (await session.exec(select(TransferRequest.id).where(
        col(TransferRequest.interaction_id).in_(of_the_case), TransferRequest.status == "pending"))).first() is not None


async def bounce(session: AsyncSession, *, interaction_id: int, clock: Clock) -> Bounce | None:
    """Bounce one interaction whose deadline has passed; None when another loop holds it or it no longer
    qualifies (selected, transfer pending, closed, re-armed)."""
    interaction = (await session.exec(select(Interaction).where(Interaction.id == interaction_id)
                                      .with_for_update(skip_locked=True))).first()
    now = clock()
    if (interaction is None or interaction.state != "assigned" or interaction.bounce_due_at is None
            or interaction.bounce_due_at > now or interaction.selected_at is not None):
        return None
    due, from_id = interaction.bounce_due_at, interaction.assignee_id
    interaction.bounce_due_at = None
    if await _awaiting_transfer(session, interaction):
        session.add(interaction)
        return None
    first_agent = await session.get(User, from_id)
    organization = await session.get(Organization, interaction.organization_id)
    seconds = sop.seconds_for(organization, interaction.channel)
    decision = await routing.place(session, interaction=interaction, clock=clock, avoid=frozenset({from_id}),
                                   via="bounce", why=f"Bounced from {first_agent.user_id}: not picked up within "
                                                     f"the SOP ({seconds} s).")
    if decision is None:  # no one qualifies, not even the first agent: it waits in the queue
        interaction.state, interaction.assignee_id, interaction.arrived_by = "queued", None, "bounce"
        events.notify(session, events.QUEUE_MOVED)
    to_user = await session.get(User, interaction.assignee_id) if decision else None
    record = Bounce(interaction_id=interaction.id, from_user_id=from_id, to_user_id=to_user and to_user.id,
                    due_at=due, at=now)
    session.add_all([interaction, record])
    if to_user is None:
        where = "transferred to the queue"
    elif to_user.id == from_id:
        where = f"no one else could take it, so it stays with {display_name(to_user)} with a new SOP"
    else:
        where = f"transferred to {display_name(to_user)}"
    interactions.add_system_message(
        session, interaction=interaction, at=now, internal=True,
        body=f"Interaction bounced from {display_name(first_agent)}: not picked up within the SOP ({seconds} s); "
             f"{where}.")
    events.notify(session, events.agent_topic(from_id))
    audit.record(session, at=now, kind="interaction.bounced", organization_id=interaction.organization_id,
                 subject=f"interaction:{interaction.id}", from_user_id=from_id, to_user_id=record.to_user_id,
                 due_at=due.isoformat())
    return record


async def bounce_due(db, *, clock: Clock, limit: int = 200) -> int:
    """One pass: every passed deadline, each in its own short transaction. Returns how many bounced."""
    async with db.read() as session:
        due = await due_ids(session, now=clock(), limit=limit)
    bounced = 0
    for interaction_id in due:
        async with db.transaction() as session:
            bounced += await bounce(session, interaction_id=interaction_id, clock=clock) is not None
    return bounced


async def timers(session: AsyncSession, *, identity: Identity, clock: Clock) -> dict[str, int]:
    """The agent's bounce timers that show now: interaction id (as text, a JSON key) -> 15, 10 or 5."""
    if not identity.can("inbox"):
        return {}
    now = clock()
    rows = (await session.exec(select(Interaction.id, Interaction.bounce_due_at).where(
        Interaction.assignee_id == identity.user_id, Interaction.state == "assigned",
        col(Interaction.bounce_due_at) > now,
        col(Interaction.bounce_due_at) <= now + timedelta(seconds=sop.TIMER_FROM_SECONDS)))).all()
    shown = {str(interaction_id): sop.timer_seconds(due, now) for interaction_id, due in rows}
    return {key: seconds for key, seconds in shown.items() if seconds is not None}


async def _armed_until(session: AsyncSession, *, after: datetime, until: datetime) -> list[tuple[int, datetime]]:
    return list((await session.exec(select(Interaction.assignee_id, Interaction.bounce_due_at).where(
        Interaction.state == "assigned", col(Interaction.bounce_due_at) > after,
        col(Interaction.bounce_due_at) <= until))).all())


async def timer_changes(session: AsyncSession, *, since: datetime, now: datetime) -> set[int]:
    """Agents whose timer changed step between `since` and `now` (appeared, moved to 10 or 5, or ran out)."""
    horizon = timedelta(seconds=sop.TIMER_FROM_SECONDS)
    return {agent for agent, due in await _armed_until(session, after=since, until=now + horizon)
            if any(since < step <= now for step in sop.timer_steps(due))}


async def next_timer_step(session: AsyncSession, *, now: datetime, within: float) -> datetime | None:
    """The next moment any timer changes step or any deadline passes, if it comes within `within` seconds."""
    until = now + timedelta(seconds=sop.TIMER_FROM_SECONDS + within)
    steps = [step for _, due in await _armed_until(session, after=now, until=until)
             for step in sop.timer_steps(due) if step > now]
    return min(steps, default=None)
