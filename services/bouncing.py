"""Bouncing: an interaction never waits on an agent who is not there.

Every assignment arms a deadline (Interaction.bounce_due_at = assigned_at + SOP). Selecting the interaction
disarms it; so does a pending transfer (the transfer outranks the bounce) and closing it. A deadline that
passes armed is claimed by one bounce loop, in batches of the oldest: the interaction rows are locked with
SKIP LOCKED (a row another loop or a selecting agent holds is skipped) and the claim's conditions are
re-checked on the locked rows, so a deadline bounces exactly once with any number of workers, and an agent's
selection at the same instant either commits first (no bounce) or finds the interaction gone. A batch is
one transaction: a worker killed midway rolls it back and every deadline in it is still armed.
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


async def _claim(session: AsyncSession, *, now: datetime, limit: int) -> list[Interaction]:
    """The oldest passed deadlines, locked; rows another pass holds are skipped (it is bouncing them), and so is
    an interaction an agent is selecting right now: whichever transaction locks it first decides."""
    return list((await session.exec(
        select(Interaction).where(col(Interaction.bounce_due_at) <= now, Interaction.state == "assigned",
                                  col(Interaction.selected_at).is_(None))
        .order_by(Interaction.bounce_due_at, Interaction.id).limit(limit)
        .with_for_update(skip_locked=True))).all())


async def _cases_awaiting_transfer(session: AsyncSession, case_ids: set[int]) -> set[int]:
    """Cases with an interaction awaiting a transfer: the transfer outranks the bounce."""
    return set((await session.exec(
        select(Interaction.case_id).join(TransferRequest, TransferRequest.interaction_id == Interaction.id)
        .where(col(Interaction.case_id).in_(case_ids), TransferRequest.status == "pending"))).all())


async def _place(session: AsyncSession, interaction: Interaction, *, organization: Organization,
                 first_agent: User, pool: routing.Pool, clock: Clock) -> bool:
    """Route it away from the agent who did not pick it up; False when another pass held the better agents
    (it stays armed, for the next pass)."""
    seconds = sop.seconds_for(organization, interaction.channel)
    why = f"Bounced from {first_agent.user_id}: not picked up within the SOP ({seconds} s)."
    decision = await routing.place(session, interaction=interaction, clock=clock, avoid=frozenset({first_agent.id}),
                                   via="bounce", pool=pool, why=why)
    if pool.deferred:
        return False
    if decision is None:  # no one qualifies, not even the first agent: it waits in the queue
        interaction.state, interaction.assignee_id, interaction.arrived_by = "queued", None, "bounce"
        interaction.bounce_due_at = None
        events.notify(session, events.QUEUE_MOVED)
    return True


def _record(session: AsyncSession, interaction: Interaction, *, due: datetime, first_agent: User,
            to_user: User | None, seconds: int, now: datetime) -> Bounce:
    """The bounce row (one per deadline), the history note naming both agents, the audit, and the notice that
    turns the first agent's row inactive."""
    record = Bounce(interaction_id=interaction.id, from_user_id=first_agent.id, to_user_id=to_user and to_user.id,
                    due_at=due, at=now)
    session.add(record)
    if to_user is None:
        where = "transferred to the queue"
    elif to_user.id == first_agent.id:
        where = f"no one else could take it, so it stays with {display_name(to_user)} with a new SOP"
    else:
        where = f"transferred to {display_name(to_user)}"
    interactions.add_system_message(
        session, interaction=interaction, at=now, internal=True,
        body=f"Interaction bounced from {display_name(first_agent)}: not picked up within the SOP ({seconds} s); "
             f"{where}.")
    events.notify(session, events.agent_topic(first_agent.id))
    audit.record(session, at=now, kind="interaction.bounced", organization_id=interaction.organization_id,
                 subject=f"interaction:{interaction.id}", from_user_id=first_agent.id, to_user_id=record.to_user_id,
                 due_at=due.isoformat())
    return record


async def _by_id(session: AsyncSession, model, ids: set[int]) -> dict:
    rows = (await session.exec(select(model).where(col(model.id).in_(ids)))).all() if ids else []
    return {row.id: row for row in rows}


async def bounce_batch(session: AsyncSession, *, clock: Clock, limit: int = 50) -> tuple[int, int]:
    """Bounce up to `limit` passed deadlines in one transaction. Returns (claimed, bounced).

    A handful of statements per batch, whatever its size (claim, transfer check, organizations, agents,
    candidates, then the best agents locked and counted at once: services/routing.Pool); the writes go out
    together at the commit. If the transaction dies (a worker killed), every deadline of the batch is still armed.
    """
    now = clock()
    claimed = await _claim(session, now=now, limit=limit)
    if not claimed:
        return 0, 0
    with session.no_autoflush:  # the writes wait for the commit; the pool counts the batch in memory
        awaiting = await _cases_awaiting_transfer(session, {i.case_id for i in claimed})
        organizations = await _by_id(session, Organization, {i.organization_id for i in claimed})
        first_agents = await _by_id(session, User, {i.assignee_id for i in claimed})
        pool = routing.Pool(claimed=claimed)
        placed: list[tuple[Interaction, datetime, User]] = []
        for interaction in claimed:
            if interaction.case_id in awaiting:
                interaction.bounce_due_at = None  # disarmed, not left to fire once the transfer settles
                session.add(interaction)
                continue
            due, first_agent = interaction.bounce_due_at, first_agents[interaction.assignee_id]
            if await _place(session, interaction, organization=organizations[interaction.organization_id],
                            first_agent=first_agent, pool=pool, clock=clock):
                placed.append((interaction, due, first_agent))
        new_agents = {i.assignee_id for i, _, _ in placed if i.assignee_id} - set(first_agents)
        agents = first_agents | await _by_id(session, User, new_agents)
        for interaction, due, first_agent in placed:
            seconds = sop.seconds_for(organizations[interaction.organization_id], interaction.channel)
            _record(session, interaction, due=due, first_agent=first_agent, to_user=agents.get(interaction.assignee_id),
                    seconds=seconds, now=now)
    return len(claimed), len(placed)


async def bounce_due(db, *, clock: Clock, batch: int = 50) -> int:
    """Every passed deadline, a batch per short transaction, until none is left. Returns how many bounced."""
    bounced = 0
    while True:
        async with db.transaction() as session:
            claimed, done = await bounce_batch(session, clock=clock, limit=batch)
        bounced += done
        if claimed < batch or done == 0:  # drained, or the rest waits on agents another pass holds
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
