"""Routing: which Available agent gets an interaction, and why.

Eligible: Available, serves the interaction's organization, has capacity left on its channel.
Choice: fewest open interactions on that channel; ties go to who has waited longest since their
last assignment. No one eligible: the interaction waits in its organization's queue and is taken
oldest first when an agent becomes Available or a wrap-up frees capacity.

Every decision is recorded compactly: the chosen agent, and the others grouped by why they were
passed over (at most a few names per group, with a count), so a decision stays small with 300 agents.

Concurrency: the interaction row is locked (skipping one another router holds), and only the agent about
to be assigned is locked, then re-checked (still Available, still under capacity) under that lock. The
first choice is waited for; later choices are skipped when another router holds them, so two routers never
deadlock and never queue behind every agent of the organization. An interaction that is no longer queued
is left alone, so it is never assigned twice. A bounce pass places a batch in one transaction and never
waits for an agent (Pool): two workers' passes take different agents instead of queuing on the best one.
Agent rows are locked FOR NO KEY UPDATE, so rows that only refer to an agent are written meanwhile.

Bounces and transfers place an interaction with the same rules (`place`): a transfer only among the
members of one team, a bounce preferring anyone but the agent it bounced from. Every assignment arms the
SOP deadline (services/sop.py) that the bounce loop claims.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import events, sop
from services.clock import Clock
from services.models import (
    AgentCapacity,
    Grant,
    Interaction,
    Organization,
    RoutingDecision,
    TeamMember,
    User,
    UserOrganization,
)

_log = logging.getLogger(__name__)
_NEVER = datetime.min.replace(tzinfo=timezone.utc)


@dataclass
class Candidate:
    user_id: int
    login: str
    available: bool
    capacity: int
    open_on_channel: int
    last_assigned_at: datetime | None
    passed_over: str = ""  # why this agent was not chosen; empty for the chosen one
    outside_batch: int = 0  # open on the channel, not counting the interactions a bounce batch holds
    held_elsewhere: bool = False  # another router had this agent locked: skipped this time

    @property
    def eligible(self) -> bool:
        return self.available and self.open_on_channel < self.capacity and not self.held_elsewhere


async def _candidates(session: AsyncSession, interaction: Interaction, *, team_id: int | None = None,
                      exclude: frozenset[int] = frozenset(), batch: list[int] = ()) -> list[Candidate]:
    """Every agent serving the organization, with capacity and open interactions on the channel, in one
    statement: a bounce pass reads it once per batch, and the open counts are a snapshot that the lock on
    the chosen agent re-checks (_still_eligible)."""
    members = select(UserOrganization.user_id).where(UserOrganization.organization_id == interaction.organization_id)
    open_now = (select(Interaction.assignee_id.label("user_id"), func.count().label("open"))
                .where(Interaction.state == "assigned", Interaction.channel == interaction.channel,
                       col(Interaction.assignee_id).in_(members)))
    if batch:  # counted in memory as the batch moves them (Pool.recount)
        open_now = open_now.where(col(Interaction.id).notin_(batch))
    open_now = open_now.group_by(Interaction.assignee_id).subquery()
    serving = (
        select(User.id, User.user_id, User.available, User.last_assigned_at, AgentCapacity.capacity, open_now.c.open)
        .join(UserOrganization, UserOrganization.user_id == User.id)
        .join(Grant, (Grant.user_id == User.id) & (Grant.name == "inbox"))
        .outerjoin(AgentCapacity, (AgentCapacity.user_id == User.id) & (AgentCapacity.channel == interaction.channel))
        .outerjoin(open_now, open_now.c.user_id == User.id)
        .where(UserOrganization.organization_id == interaction.organization_id)
        .order_by(User.id)
    )
    if team_id is not None:
        serving = serving.join(TeamMember, (TeamMember.user_id == User.id) & (TeamMember.team_id == team_id))
    if exclude:
        serving = serving.where(col(User.id).notin_(exclude))
    rows = (await session.exec(serving)).all()
    return [Candidate(user_id=user_id, login=login, available=available, capacity=capacity or 0,
                      open_on_channel=open_count or 0, outside_batch=open_count or 0,
                      last_assigned_at=last_assigned_at)
            for user_id, login, available, last_assigned_at, capacity, open_count in rows]


def _rank(candidate: Candidate, avoid: frozenset[int] = frozenset()) -> tuple:
    """Best first: not avoided, fewest open on the channel, longest since the last assignment."""
    return (candidate.user_id in avoid, candidate.open_on_channel, candidate.last_assigned_at or _NEVER,
            candidate.user_id)


def _choose(candidates: list[Candidate], channel: str, avoid: frozenset[int] = frozenset()) -> Candidate | None:
    """`avoid`: agents chosen only when no one else qualifies (the agent an interaction just bounced from)."""
    for candidate in candidates:  # a batch chooses from the same candidates again: the last reasons go
        candidate.passed_over = ""
    eligible = sorted((c for c in candidates if c.eligible), key=lambda c: _rank(c, avoid))
    for candidate in candidates:
        if candidate.held_elsewhere:
            candidate.passed_over = "being assigned by another router"
        elif not candidate.available:
            candidate.passed_over = "Unavailable"
        elif candidate.open_on_channel >= candidate.capacity:
            candidate.passed_over = (
                f"no capacity on {channel}: {candidate.open_on_channel} open of {candidate.capacity}"
            )
    chosen = eligible[0] if eligible else None
    for candidate in eligible[1:]:
        if candidate.user_id in avoid:
            candidate.passed_over = "just bounced from this agent"
        elif candidate.open_on_channel > chosen.open_on_channel:
            candidate.passed_over = (
                f"more open interactions on {channel} ({candidate.open_on_channel} vs {chosen.open_on_channel})"
            )
        else:
            candidate.passed_over = "tie on open interactions; the chosen agent has waited longer since their last assignment"
    return chosen


_NAMES_PER_GROUP = 10


def _reason_kind(candidate: Candidate, channel: str) -> str:
    """The reason without this agent's numbers, so that agents passed over alike are grouped."""
    for kind in ("just bounced from this agent", "Unavailable", f"no capacity on {channel}", f"more open interactions on {channel}"):
        if candidate.passed_over.startswith(kind):
            return kind
    return candidate.passed_over


def _passed_over(candidates: list[Candidate], channel: str) -> list[dict]:
    groups: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        if candidate.passed_over:
            groups.setdefault(_reason_kind(candidate, channel), []).append(candidate)
    return [{"reason": reason, "count": len(members),
             "agents": [{"login": c.login, "open": c.open_on_channel, "capacity": c.capacity}
                        for c in members[:_NAMES_PER_GROUP]]}
            for reason, members in groups.items()]


def _explanation(interaction: Interaction, candidates: list[Candidate], chosen: Candidate | None,
                 why: str = "") -> str:
    if why and chosen is not None:
        summary = f"{why} Assigned to {chosen.login}."
    elif not candidates:
        summary = "No agent serves this organization; waiting in the queue."
    elif chosen is None:
        summary = "No eligible agent; waiting in the organization's queue."
    else:
        summary = f"Assigned to {chosen.login}: fewest open {interaction.channel} interactions"
        if len([c for c in candidates if c.eligible and c.open_on_channel == chosen.open_on_channel]) > 1:
            summary += ", longest wait since last assignment"
        summary += "."
    picked = chosen and {"login": chosen.login, "open": chosen.open_on_channel, "capacity": chosen.capacity}
    return json.dumps({"summary": summary, "channel": interaction.channel, "considered": len(candidates),
                       "chosen": picked or None, "passed_over": _passed_over(candidates, interaction.channel)})


@dataclass
class Pool:
    """What the placements of one transaction share.

    Alone (the default) a placement reads its candidates, waits for its first choice of agent and counts that
    agent's open interactions in the database. A bounce pass places a whole batch of interactions it holds
    locked (`claimed`) in one transaction: candidates are read once per organization and channel, agents are
    only ever taken with SKIP LOCKED (the other worker's pass is assigning to them: we take the next one, so
    two passes never queue behind one agent), and an agent locked once stays ours until the commit. While it
    is locked nobody else can assign to that agent, so its open count is the database's count of the
    interactions outside the batch, read once under the lock, plus the batch's own, counted in memory.
    """

    claimed: list[Interaction] = field(default_factory=list)
    locked: dict[tuple[int, str], int] = field(default_factory=dict)  # (agent, channel) -> open outside the batch
    candidates: dict[tuple, list[Candidate]] = field(default_factory=dict)
    deferred: bool = False  # the last placement left it alone: a better agent was held by another pass
    fresh: frozenset[int] = frozenset()  # created in this transaction: no earlier decision to compare with
    stuck: str = ""  # the last placement found no eligible agent and none held elsewhere: its explanation

    @property
    def batch(self) -> bool:
        return bool(self.claimed)

    def open_in_batch(self, channel: str) -> Counter:
        return Counter(i.assignee_id for i in self.claimed if i.state == "assigned" and i.channel == channel)

    def recount(self, candidates: list[Candidate], channel: str) -> None:
        """Open interactions now: outside the batch (read under our lock if we hold the agent, else the
        snapshot) plus the batch's own, which move in memory as the batch is placed."""
        in_batch = self.open_in_batch(channel)
        for candidate in candidates:
            outside = self.locked.get((candidate.user_id, channel), candidate.outside_batch)
            candidate.open_on_channel = outside + in_batch[candidate.user_id]


async def _still_eligible(session: AsyncSession, interaction: Interaction, candidate: Candidate,
                          *, wait: bool, pool: Pool) -> bool | None:
    """Lock this agent's row and re-check them; None when another router holds them and we do not wait.

    FOR NO KEY UPDATE: routers still exclude each other, but rows that merely point at this agent (a bounce
    from them, a message) can be written meanwhile, so two bounce passes never wait on each other's inserts.
    """
    agent = (await session.exec(select(User).where(User.id == candidate.user_id)
                                .with_for_update(skip_locked=not wait, key_share=True)
                                .execution_options(populate_existing=True))).first()
    if agent is None:
        return None
    counted = (select(func.count()).select_from(Interaction).where(
        Interaction.assignee_id == candidate.user_id, Interaction.state == "assigned",
        Interaction.channel == interaction.channel))
    if pool.batch:
        counted = counted.where(col(Interaction.id).notin_([i.id for i in pool.claimed]))
    pool.locked[(candidate.user_id, interaction.channel)] = (await session.exec(counted)).one()
    candidate.available = agent.available
    pool.recount([candidate], interaction.channel)
    return candidate.eligible


async def _claim_agent(session: AsyncSession, interaction: Interaction, candidates: list[Candidate],
                       avoid: frozenset[int], pool: Pool) -> Candidate | None:
    """The best eligible agent, locked and re-checked under the lock.

    Alone, only the first lock waits, while this router holds no other agent; later ones skip an agent
    another router holds (it is assigning to them). A batch never waits. So routers never wait in a circle,
    and none waits on every agent of the organization.
    """
    checked: set[int] = set()
    while (best := _choose(candidates, interaction.channel, avoid)) is not None:
        if best.user_id in checked:
            return best  # locked, re-checked, and still the best choice
        checked.add(best.user_id)
        if (best.user_id, interaction.channel) in pool.locked:
            continue  # ours already, and recounted: exact without a statement
        wait = not pool.batch and not pool.locked
        if await _still_eligible(session, interaction, best, wait=wait, pool=pool) is None:
            best.held_elsewhere = True
            events.notify(session, events.QUEUE_MOVED)  # look again soon, once that router is done
    return None


async def _lock_for_batch(session: AsyncSession, interaction: Interaction, candidates: list[Candidate],
                          pool: Pool) -> None:
    """Once per batch and channel: lock the best eligible agents at once, as many as the batch may need, in two
    statements. SKIP LOCKED: the agents another pass holds are left to it (its batch takes the best, ours the
    next best), so two passes work side by side instead of queuing on the same agent."""
    if any(channel == interaction.channel for _, channel in pool.locked):
        return
    needed = sum(1 for i in pool.claimed if i.channel == interaction.channel)
    pool.recount(candidates, interaction.channel)
    best = sorted((c for c in candidates if c.eligible), key=_rank)[:needed]
    if not best:
        return
    ids = [c.user_id for c in best]
    agents = {agent.id: agent for agent in (await session.exec(
        select(User).where(col(User.id).in_(ids)).with_for_update(skip_locked=True, key_share=True)
        .execution_options(populate_existing=True))).all()}
    got = set(agents)
    counts = dict((await session.exec(
        select(Interaction.assignee_id, func.count()).where(
            col(Interaction.assignee_id).in_(got), Interaction.state == "assigned",
            Interaction.channel == interaction.channel, col(Interaction.id).notin_([i.id for i in pool.claimed]))
        .group_by(Interaction.assignee_id))).all()) if got else {}
    for candidate in best:
        if candidate.user_id in got:
            pool.locked[(candidate.user_id, interaction.channel)] = counts.get(candidate.user_id, 0)
            candidate.available = agents[candidate.user_id].available  # as it is now, under our lock
        else:
            candidate.held_elsewhere = True


def _held_back(candidates: list[Candidate], chosen: Candidate | None, avoid: frozenset[int]) -> bool:
    """A better agent than the outcome was only held by another pass: deciding now would send it back to the
    agent it bounced from, or to the queue, while someone else qualifies."""
    if chosen is not None and chosen.user_id not in avoid:
        return False
    return any(c.held_elsewhere and c.user_id not in avoid and c.available for c in candidates)


async def _last_explanation(session: AsyncSession, interaction_id: int) -> str | None:
    last = (
        await session.exec(
            select(RoutingDecision.explanation)
            .where(RoutingDecision.interaction_id == interaction_id)
            .order_by(col(RoutingDecision.id).desc())
            .limit(1)
        )
    ).first()
    return last


async def route(session: AsyncSession, *, interaction_id: int, clock: Clock,
                pool: Pool | None = None) -> RoutingDecision | None:
    """Try to assign one queued interaction. Returns the decision recorded, or None if none was needed."""
    interaction = (
        await session.exec(
            select(Interaction)
            .where(Interaction.id == interaction_id)
            .with_for_update(skip_locked=True)
        )
    ).first()
    if interaction is None or interaction.state != "queued":
        return None  # taken by another router, or no longer waiting
    return await place(session, interaction=interaction, clock=clock, pool=pool)


async def place(session: AsyncSession, *, interaction: Interaction, clock: Clock, team_id: int | None = None,
                avoid: frozenset[int] = frozenset(), exclude: frozenset[int] = frozenset(), via: str = "",
                why: str = "", pool: Pool | None = None) -> RoutingDecision | None:
    """Assign an interaction the caller holds locked to the best eligible agent.

    `team_id`: only that team's members (a transfer); `exclude`: never these agents (the one transferring);
    `avoid`: these only when no one else qualifies (a bounce). `via` marks how it arrives (the transfer icon).
    With no one eligible a queued interaction records why and stays queued; a transfer or a bounce gets None
    and decides for itself. `pool`: shared by the placements of one batch (see Pool); in a batch, when the
    better agents were all held by another pass, nothing changes and `pool.deferred` says so.
    """
    pool = pool if pool is not None else Pool()
    pool.deferred = False
    key = (interaction.organization_id, interaction.channel, team_id, exclude)
    if not pool.batch or key not in pool.candidates:
        pool.candidates[key] = await _candidates(session, interaction, team_id=team_id, exclude=exclude,
                                                 batch=[i.id for i in pool.claimed])
    candidates = pool.candidates[key]
    if pool.batch:
        await _lock_for_batch(session, interaction, candidates, pool)
        pool.recount(candidates, interaction.channel)
    chosen = await _claim_agent(session, interaction, candidates, avoid, pool)
    if pool.batch and _held_back(candidates, chosen, avoid):
        pool.deferred = True
        events.notify(session, events.QUEUE_MOVED)  # the loops look again as soon as this pass commits
        return None
    explanation = _explanation(interaction, candidates, chosen, why)
    now = clock()
    pool.stuck = explanation if chosen is None and not any(c.held_elsewhere for c in candidates) else ""
    if chosen is None:
        if via or interaction.state != "queued":
            return None
        # A queued interaction is re-examined often; record only when the reasons change.
        if interaction.id not in pool.fresh and await _last_explanation(session, interaction.id) == explanation:
            return None
        decision = RoutingDecision(interaction_id=interaction.id, organization_id=interaction.organization_id,
                                   at=now, outcome="queued", explanation=explanation)
        session.add(decision)
        return decision
    organization = await session.get(Organization, interaction.organization_id)
    interaction.state = "assigned"
    interaction.assignee_id = chosen.user_id
    interaction.assigned_at = now
    interaction.selected_at = None  # new to this agent: the red dot shows until they open it
    interaction.bounce_due_at = sop.deadline(organization, interaction.channel, now)
    if via:
        interaction.arrived_by = via
    agent = await session.get(User, chosen.user_id)  # loaded by its lock: no statement
    agent.last_assigned_at = now
    chosen.last_assigned_at = now
    session.add_all([interaction, agent])
    decision = RoutingDecision(interaction_id=interaction.id, organization_id=interaction.organization_id,
                               at=now, outcome="assigned", chosen_user_id=chosen.user_id,
                               explanation=explanation)
    session.add(decision)
    events.notify(session, events.agent_topic(chosen.user_id), events.interaction_topic(interaction.id))
    return decision


async def _queued(session: AsyncSession, *, organization_id: int | None = None,
                  limit: int = 200) -> list[tuple[int, tuple[int, str]]]:
    """The oldest queued interactions, with the (organization, channel) whose agents they wait for."""
    query = select(Interaction.id, Interaction.organization_id, Interaction.channel).where(
        Interaction.state == "queued")
    if organization_id is not None:
        query = query.where(Interaction.organization_id == organization_id)
    query = query.order_by(Interaction.created_at, Interaction.id).limit(limit)
    return [(i, (org, channel)) for i, org, channel in (await session.exec(query)).all()]


async def queued_ids(session: AsyncSession, *, organization_id: int | None = None, limit: int = 200) -> list[int]:
    return [i for i, _ in await _queued(session, organization_id=organization_id, limit=limit)]


async def _still_waiting(db, *, ids: list[int], explanation: str, clock: Clock) -> None:
    """The rest of a queue nobody can take now: what routing each would record, in one transaction. Each
    keeps waiting; a decision is recorded only where the reasons changed (they are the same for every
    interaction of one organization and channel)."""
    async with db.transaction() as session:
        waiting = (await session.exec(select(Interaction).where(
            col(Interaction.id).in_(ids), Interaction.state == "queued").with_for_update(skip_locked=True))).all()
        latest = select(func.max(RoutingDecision.id)).where(
            col(RoutingDecision.interaction_id).in_(ids)).group_by(RoutingDecision.interaction_id)
        last = dict((await session.exec(select(RoutingDecision.interaction_id, RoutingDecision.explanation)
                                        .where(col(RoutingDecision.id).in_(latest)))).all())
        now = clock()
        session.add_all([RoutingDecision(interaction_id=i.id, organization_id=i.organization_id, at=now,
                                         outcome="queued", explanation=explanation)
                         for i in waiting if last.get(i.id) != explanation])


async def drain_queue(db, *, clock: Clock, organization_id: int | None = None) -> int:
    """Assign waiting interactions, oldest first, each in its own short transaction. Returns how many.

    Once one interaction of an organization and channel finds no eligible agent (and none merely held by another
    router), the younger ones of that queue cannot do better in this pass: they are noted together
    (`_still_waiting`) instead of routed one by one. Whatever makes an agent eligible again (Available, a
    wrap-up, a capacity change) wakes the loop for another pass (QUEUE_MOVED)."""
    async with db.read() as session:
        waiting = await _queued(session, organization_id=organization_id)
    assigned = 0
    stuck: dict[tuple[int, str], str] = {}
    rest: dict[tuple[int, str], list[int]] = {}
    for interaction_id, queue in waiting:
        if queue in stuck:
            rest.setdefault(queue, []).append(interaction_id)
            continue
        pool = Pool()
        async with db.transaction() as session:
            decision = await route(session, interaction_id=interaction_id, clock=clock, pool=pool)
        if decision is not None and decision.outcome == "assigned":
            assigned += 1
        elif pool.stuck:
            stuck[queue] = pool.stuck
    for queue, ids in rest.items():
        await _still_waiting(db, ids=ids, explanation=stuck[queue], clock=clock)
    return assigned


async def run_routing_loop(db, *, clock: Clock, interval: float = 2.0) -> None:
    """Drains the queue when a committed change says it may move (events.QUEUE_MOVED), and every
    `interval` seconds as a safety net. No client can start a drain; any number of loops may run at once."""
    while True:
        try:
            await drain_queue(db, clock=clock)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("routing loop pass failed; retrying")
        await events.queue_moved(interval)


async def decisions(session: AsyncSession, *, organization_ids: frozenset[int], user_id: int | None,
                    limit: int = 100) -> list[RoutingDecision]:
    """Routing explanations, newest first. A manager passes user_id=None to see every agent's."""
    query = select(RoutingDecision).where(col(RoutingDecision.organization_id).in_(organization_ids))
    if user_id is not None:
        query = query.where(RoutingDecision.chosen_user_id == user_id)
    query = query.order_by(col(RoutingDecision.id).desc()).limit(limit)
    return list((await session.exec(query)).all())
