"""Transfers: an agent moves an interaction and its case to a team of the same organization.

The interaction row is locked first, so concurrent Transfer clicks (on any workers) act one after the other:
the first moves it, the others find it is no longer theirs. A member who is Available with capacity on the
channel gets it now, within the organization's hours of operation; otherwise the request waits (awaiting
transfer) and completes, oldest request first, as soon as a member can take it. It cannot be cancelled and
has no time limit; wrapping up the interaction or the customer ending the chat abandons it. While it waits, the interaction does not bounce.

Order: a loop settles one team's pending requests in one transaction holding that team's row (SKIP LOCKED:
another loop moves on to other teams), oldest first, so two loops never settle one team's requests side by
side and out of order; a new request to a team that has pending ones waits behind them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, hours, interactions, routing
from services.auth import Identity
from services.bouncing import display_name
from services.clock import Clock
from services.errors import NotFound, Refused
from services.models import Interaction, Organization, Team, TransferRequest, User

GRANT = "transfer"


@dataclass(frozen=True)
class TransferOutcome:
    team_name: str
    agent_name: str  # empty while awaiting transfer

    @property
    def awaiting(self) -> bool:
        return not self.agent_name


async def _team_of(session: AsyncSession, *, team_id: int, organization_id: int) -> Team:
    team = await session.get(Team, team_id) if isinstance(team_id, int) else None
    if team is None or team.organization_id != organization_id:  # never across organizations
        raise NotFound("That team")
    return team


async def is_pending(session: AsyncSession, *, interaction_id: int) -> bool:
    return (await session.exec(select(TransferRequest.id).where(
        TransferRequest.interaction_id == interaction_id, TransferRequest.status == "pending"))).first() is not None


async def _move(session: AsyncSession, *, interaction: Interaction, team: Team, request: TransferRequest,
                clock: Clock) -> User | None:
    """Assign to an eligible member of the team (never the agent who asked); None when no one can take it, or
    the organization is outside its hours of operation."""
    if not hours.is_open(await session.get(Organization, interaction.organization_id), clock()):
        return None
    sender = await session.get(User, request.requested_by_user_id)
    decision = await routing.place(session, interaction=interaction, clock=clock, team_id=team.id,
                                   exclude=frozenset({request.requested_by_user_id}), via="transfer",
                                   why=f"Transferred by {sender.user_id} to team {team.name}.")
    if decision is None:
        return None
    agent = await session.get(User, interaction.assignee_id)
    now = clock()
    request.status, request.assigned_user_id, request.settled_at = "done", agent.id, now
    session.add(request)
    interactions.add_system_message(
        session, interaction=interaction, at=now, internal=True,
        body=f"Transferred by {display_name(sender)} to {team.name}: {display_name(agent)}.")
    events.notify(session, events.agent_topic(request.requested_by_user_id))
    audit.record(session, at=now, kind="interaction.transferred", actor_user_id=request.requested_by_user_id,
                 organization_id=interaction.organization_id, subject=f"interaction:{interaction.id}",
                 team_id=team.id, to_user_id=agent.id)
    return agent


async def _team_has_pending(session: AsyncSession, *, team_id: int) -> bool:
    return (await session.exec(select(TransferRequest.id).where(
        TransferRequest.team_id == team_id, TransferRequest.status == "pending"))).first() is not None


async def request_transfer(session: AsyncSession, *, identity: Identity, interaction_id: int, team_id: int,
                           clock: Clock) -> TransferOutcome:
    if not identity.can(GRANT):
        raise NotFound("That interaction")
    interaction = await interactions.active_interaction(session, identity=identity, interaction_id=interaction_id,
                                                        for_update=True)
    team = await _team_of(session, team_id=team_id, organization_id=interaction.organization_id)
    if await is_pending(session, interaction_id=interaction.id):
        raise Refused("This interaction is already awaiting transfer.")
    now = clock()
    earlier = await _team_has_pending(session, team_id=team.id)
    request = TransferRequest(interaction_id=interaction.id, organization_id=interaction.organization_id,
                              team_id=team.id, requested_by_user_id=identity.user_id, requested_at=now)
    session.add(request)
    # Earlier requests to this team go first: this one joins them and the loop settles them in order.
    agent = None if earlier else await _move(session, interaction=interaction, team=team, request=request,
                                             clock=clock)
    if earlier:
        events.notify(session, events.QUEUE_MOVED)  # a member may be free already: the loop looks now
    if agent is not None:
        return TransferOutcome(team.name, display_name(agent))
    interaction.bounce_due_at = None  # the transfer outranks the bounce
    session.add(interaction)
    interactions.add_system_message(session, interaction=interaction, at=now, internal=True,
                                    body=f"Awaiting transfer to {team.name}, requested by {identity.display_name}.")
    audit.record(session, at=now, kind="interaction.transfer_requested", actor_user_id=identity.user_id,
                 organization_id=interaction.organization_id, subject=f"interaction:{interaction.id}",
                 team_id=team.id)
    return TransferOutcome(team.name, "")


async def _settle(session: AsyncSession, *, request: TransferRequest, team: Team, clock: Clock) -> str | None:
    """Try one pending request: "done", "abandoned", "waiting" (no member can take it yet), or None when an agent
    is acting on the interaction right now (it is left locked by them, never waited for)."""
    interaction = (await session.exec(select(Interaction).where(Interaction.id == request.interaction_id)
                                      .with_for_update(skip_locked=True))).first()
    if interaction is None:
        return None
    if interaction.state != "assigned" or interaction.chat_ended_at is not None:
        request.status, request.settled_at = "abandoned", clock()
        session.add(request)
        events.notify(session, events.interaction_topic(interaction.id))
        return "abandoned"
    moved = await _move(session, interaction=interaction, team=team, request=request, clock=clock)
    return "done" if moved else "waiting"


async def complete_team(session: AsyncSession, *, team_id: int, clock: Clock, limit: int = 200) -> int | None:
    """Complete the team's pending requests, oldest first, in this one transaction. None when another loop is
    doing so (it holds the team): with any number of loops a team's requests are settled by one at a time, in
    the order they were made. A request no member can take yet (its channel, or only the sender is free) lets
    the next one through; an interaction an agent is acting on stops the pass, so none overtakes it."""
    team = (await session.exec(select(Team).where(Team.id == team_id)
                               # NO KEY UPDATE: a Transfer click inserting a request for this team is not held up
                               .with_for_update(skip_locked=True, key_share=True))).first()
    if team is None:
        return None
    waiting = (await session.exec(select(TransferRequest).where(
        TransferRequest.team_id == team_id, TransferRequest.status == "pending")
        .order_by(TransferRequest.requested_at, TransferRequest.id).limit(limit))).all()
    done = 0
    for request in waiting:
        outcome = await _settle(session, request=request, team=team, clock=clock)
        if outcome is None:
            break  # the next pass starts from it again
        done += outcome == "done"
    return done


async def teams_with_pending(session: AsyncSession) -> list[int]:
    """Teams with pending requests, the one waiting longest first."""
    return list((await session.exec(
        select(TransferRequest.team_id).where(TransferRequest.status == "pending")
        .group_by(TransferRequest.team_id).order_by(func.min(TransferRequest.requested_at)))).all())


async def complete_pending(db, *, clock: Clock) -> int:
    """One pass over every team with pending requests, a transaction per team. Returns how many completed."""
    async with db.read() as session:
        team_ids = await teams_with_pending(session)
    done = 0
    for team_id in team_ids:
        async with db.transaction() as session:
            done += await complete_team(session, team_id=team_id, clock=clock) or 0
    return done
