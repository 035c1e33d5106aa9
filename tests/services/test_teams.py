"""Managers maintain teams of their own organizations: add, members (agents of that organization only),
remove; agents and other organizations' managers are refused and change nothing."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import select

from services import teams, transfers
from services.errors import NotFound, Refused
from services.models import AuditEvent, Team, TeamMember
from tests.services.factories import make_agent, make_org, new_chat


def _manager(identity):
    return dataclasses.replace(identity, grants=identity.grants | {teams.GRANT})


async def test_a_manager_adds_a_team_and_its_members_with_audit_events(db, clock):
    org = await make_org(db)
    maria = _manager(await make_agent(db, "maria", [org]))
    bob = await make_agent(db, "bob", [org])
    async with db.transaction() as session:
        team = await teams.add(session, identity=maria, organization_id=org.id, name="  Returns  ", clock=clock)
        await teams.add_member(session, identity=maria, team_id=team.id, user_id=bob.user_id, clock=clock)
    async with db.read() as session:
        [row] = await teams.listing(session, identity=maria)
        kinds = (await session.exec(select(AuditEvent.kind).where(AuditEvent.kind.startswith("team.")))).all()
    assert (row.name, row.organization_name, [m.login for m in row.members]) == ("Returns", "Sophia's", ["bob"])
    assert [c.login for c in row.candidates] == ["maria"]
    assert sorted(kinds) == ["team.added", "team.member_added"]
    with pytest.raises(Refused, match="already a team named returns"):
        async with db.transaction() as session:
            await teams.add(session, identity=maria, organization_id=org.id, name="returns", clock=clock)
    async with db.transaction() as session:
        await teams.remove_member(session, identity=maria, team_id=team.id, user_id=bob.user_id, clock=clock)
        await teams.remove(session, identity=maria, team_id=team.id, clock=clock)
    async with db.read() as session:
        assert (await session.exec(select(Team))).all() == []


async def test_agents_and_other_organizations_managers_are_refused_and_change_nothing(db, clock):
    org, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    alice = await make_agent(db, "alice", [org])
    olga = _manager(await make_agent(db, "olga", [janes]))
    outsider = await make_agent(db, "outsider", [janes])
    maria = _manager(await make_agent(db, "maria", [org]))
    async with db.transaction() as session:
        team = await teams.add(session, identity=maria, organization_id=org.id, name="Returns", clock=clock)
    attempts = [
        lambda s: teams.add(s, identity=alice, organization_id=org.id, name="Mine", clock=clock),
        lambda s: teams.add(s, identity=olga, organization_id=org.id, name="Mine", clock=clock),
        lambda s: teams.add_member(s, identity=olga, team_id=team.id, user_id=outsider.user_id, clock=clock),
        lambda s: teams.add_member(s, identity=maria, team_id=team.id, user_id=outsider.user_id, clock=clock),
        lambda s: teams.remove(s, identity=olga, team_id=team.id, clock=clock),
        lambda s: teams.remove(s, identity=alice, team_id=team.id, clock=clock),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            async with db.transaction() as session:
                await attempt(session)
    with pytest.raises(Refused, match="Enter a team name"):
        async with db.transaction() as session:
            await teams.add(session, identity=maria, organization_id=org.id, name="   ", clock=clock)
    async with db.read() as session:
        assert [t.name for t in (await session.exec(select(Team))).all()] == ["Returns"]
        assert (await session.exec(select(TeamMember))).all() == []
        assert await teams.listing(session, identity=olga) == []
        assert await teams.listing(session, identity=alice) == []


async def test_a_team_with_transfers_on_record_is_kept(db, clock):
    org = await make_org(db)
    maria = _manager(await make_agent(db, "maria", [org]))
    async with db.transaction() as session:
        team = await teams.add(session, identity=maria, organization_id=org.id, name="Returns", clock=clock)
    chat = await new_chat(db, org, clock)
    async with db.transaction() as session:
        await transfers.request_transfer(session, identity=maria, interaction_id=chat.id, team_id=team.id,
                                         clock=clock)
    with pytest.raises(Refused, match="transfers on record"):
        async with db.transaction() as session:
            await teams.remove(session, identity=maria, team_id=team.id, clock=clock)
