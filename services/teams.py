"""Teams: groups of agents of one organization that interactions are transferred to. Managers maintain them
(grant `manage_teams`); the Transfer popup lists them with their availability for the interaction's channel."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, managed_organizations
from services.auth import Identity
from services.clock import Clock
from services.errors import NotFound, Refused
from services.managed_organizations import OrganizationChoice
from services.models import (
    AgentCapacity,
    Grant,
    Interaction,
    Organization,
    Team,
    TeamMember,
    TransferRequest,
    User,
    UserOrganization,
)

GRANT = "manage_teams"
MAX_NAME = 80
MAX_OPTIONS = 50  # the Transfer popup shows at most this many; typing narrows them


@dataclass(frozen=True)
class Member:
    user_id: int
    login: str
    name: str


@dataclass(frozen=True)
class TeamRow:
    team_id: int
    organization_name: str
    name: str
    members: list[Member] = field(default_factory=list)
    candidates: list[Member] = field(default_factory=list)  # agents of the organization not yet in the team


def _member(user: User) -> Member:
    return Member(user.id, user.user_id, " ".join(p for p in (user.first_name, user.last_name) if p) or user.user_id)


async def organizations(session: AsyncSession, *, identity: Identity) -> list[OrganizationChoice]:
    """The organizations whose teams this manager maintains."""
    return await managed_organizations.organizations(session, identity=identity, grant=GRANT)


async def _agents_by_org(session: AsyncSession, organization_ids) -> dict[int, list[User]]:
    rows = (await session.exec(
        select(UserOrganization.organization_id, User).join(User, User.id == UserOrganization.user_id)
        .join(Grant, (Grant.user_id == User.id) & (Grant.name == "inbox"))
        .where(col(UserOrganization.organization_id).in_(organization_ids)).order_by(User.user_id))).all()
    found: dict[int, list[User]] = {}
    for organization_id, user in rows:
        found.setdefault(organization_id, []).append(user)
    return found


async def listing(session: AsyncSession, *, identity: Identity) -> list[TeamRow]:
    """Every team of the manager's organizations with its members (three queries, whatever the count)."""
    if not identity.can(GRANT):
        return []
    teams = (await session.exec(
        select(Team, Organization.name).join(Organization, Organization.id == Team.organization_id)
        .where(col(Team.organization_id).in_(identity.organization_ids)).order_by(Organization.name, Team.name))).all()
    members: dict[int, list[User]] = {}
    for team_id, user in (await session.exec(
            select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
            .where(col(TeamMember.team_id).in_([t.id for t, _ in teams])).order_by(User.user_id))).all():
        members.setdefault(team_id, []).append(user)
    agents = await _agents_by_org(session, identity.organization_ids)
    rows = []
    for team, org_name in teams:
        inside = {u.id for u in members.get(team.id, [])}
        rows.append(TeamRow(team.id, org_name, team.name, [_member(u) for u in members.get(team.id, [])],
                            [_member(u) for u in agents.get(team.organization_id, []) if u.id not in inside]))
    return rows


async def _managed_team(session: AsyncSession, identity: Identity, team_id: int, *, lock: bool = False) -> Team:
    team = await session.get(Team, team_id, with_for_update=lock) if isinstance(team_id, int) else None
    if team is None or not identity.can(GRANT) or not identity.serves(team.organization_id):
        raise NotFound("That team")
    return team


async def add(session: AsyncSession, *, identity: Identity, organization_id: int, name: str, clock: Clock) -> Team:
    if not identity.can(GRANT) or not isinstance(organization_id, int) or not identity.serves(organization_id):
        raise NotFound("That organization")
    name = " ".join(str(name).split())
    if not name:
        raise Refused("Enter a team name.")
    if len(name) > MAX_NAME:
        raise Refused(f"A team name can be at most {MAX_NAME} characters.")
    taken = (await session.exec(select(Team.id).where(Team.organization_id == organization_id,
                                                      func.lower(Team.name) == name.lower()))).first()
    if taken is not None:
        raise Refused(f"There is already a team named {name}.")
    team = Team(organization_id=organization_id, name=name)
    session.add(team)
    await session.flush()
    audit.record(session, at=clock(), kind="team.added", actor_user_id=identity.user_id,
                 organization_id=organization_id, subject=f"team:{team.id}", name=name)
    return team


async def remove(session: AsyncSession, *, identity: Identity, team_id: int, clock: Clock) -> None:
    """Only a team no transfer ever went to: the transfer history keeps naming its team."""
    team = await _managed_team(session, identity, team_id, lock=True)
    used = (await session.exec(select(TransferRequest.id).where(TransferRequest.team_id == team.id))).first()
    if used is not None:
        raise Refused(f"{team.name} has transfers on record and cannot be deleted; remove its members instead.")
    await session.exec(delete(TeamMember).where(TeamMember.team_id == team.id))
    await session.exec(delete(Team).where(Team.id == team.id))
    audit.record(session, at=clock(), kind="team.removed", actor_user_id=identity.user_id,
                 organization_id=team.organization_id, subject=f"team:{team.id}", name=team.name)


async def add_member(session: AsyncSession, *, identity: Identity, team_id: int, user_id: int, clock: Clock) -> Member:
    team = await _managed_team(session, identity, team_id, lock=True)
    agents = (await _agents_by_org(session, [team.organization_id])).get(team.organization_id, [])
    agent = next((u for u in agents if u.id == user_id), None)
    if agent is None:  # only agents who serve the team's organization
        raise NotFound("That agent")
    if await session.get(TeamMember, (team.id, agent.id)) is None:
        session.add(TeamMember(team_id=team.id, user_id=agent.id))
        audit.record(session, at=clock(), kind="team.member_added", actor_user_id=identity.user_id,
                     organization_id=team.organization_id, subject=f"team:{team.id}", user_id=agent.id)
    return _member(agent)


async def remove_member(session: AsyncSession, *, identity: Identity, team_id: int, user_id: int,
                        clock: Clock) -> None:
    team = await _managed_team(session, identity, team_id, lock=True)
    member = await session.get(TeamMember, (team.id, user_id)) if isinstance(user_id, int) else None
    if member is None:
        raise NotFound("That member")
    await session.delete(member)
    audit.record(session, at=clock(), kind="team.member_removed", actor_user_id=identity.user_id,
                 organization_id=team.organization_id, subject=f"team:{team.id}", user_id=user_id)


# --- the Transfer popup -------------------------------------------------------------------------

@dataclass(frozen=True)
class TeamOption:
    team_id: int
    name: str
    available: bool  # a member (other than the agent transferring) is Available with capacity on the channel


async def _free_members(session: AsyncSession, *, team_ids: list[int], interaction: Interaction,
                        exclude: int) -> set[int]:
    """The teams among `team_ids` with a member who could take the interaction now."""
    members = (await session.exec(
        select(TeamMember.team_id, User.id, AgentCapacity.capacity).join(User, User.id == TeamMember.user_id)
        .join(UserOrganization, (UserOrganization.user_id == User.id)
              & (UserOrganization.organization_id == interaction.organization_id))
        .join(Grant, (Grant.user_id == User.id) & (Grant.name == "inbox"))
        .join(AgentCapacity, (AgentCapacity.user_id == User.id) & (AgentCapacity.channel == interaction.channel))
        .where(col(TeamMember.team_id).in_(team_ids), User.available, User.id != exclude))).all()
    open_counts = dict((await session.exec(
        select(Interaction.assignee_id, func.count()).where(
            col(Interaction.assignee_id).in_({user_id for _, user_id, _ in members}),
            Interaction.state == "assigned", Interaction.channel == interaction.channel)
        .group_by(Interaction.assignee_id))).all())
    return {team_id for team_id, user_id, capacity in members if open_counts.get(user_id, 0) < capacity}


async def options(session: AsyncSession, *, identity: Identity, interaction: Interaction,
                  search: str = "") -> list[TeamOption]:
    """The interaction's organization's teams whose name contains `search`, at most 50, with availability."""
    query = select(Team).where(Team.organization_id == interaction.organization_id)
    words = " ".join(str(search).split())[:MAX_NAME]
    if words:
        query = query.where(func.lower(Team.name).contains(words.lower(), autoescape=True))
    teams = (await session.exec(query.order_by(Team.name).limit(MAX_OPTIONS))).all()
    free = await _free_members(session, team_ids=[t.id for t in teams], interaction=interaction,
                               exclude=identity.user_id)
    return [TeamOption(t.id, t.name, t.id in free) for t in teams]
