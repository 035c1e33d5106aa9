"""Bounces and transfers under concurrency on PostgreSQL: two loops, each deadline bounces exactly once; a
selection and a bounce at the same instant never both win; concurrent Transfer clicks move it once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from services import bouncing, interactions, transfers
from services.db import Database
from services.errors import Refused
from services.models import (AgentCapacity, Bounce, Interaction, RoutingDecision, Team, TeamMember,
                             TransferRequest, User)
from tests.services.factories import make_agent, make_org, make_team, new_chat


@pytest.fixture
def postgres_only(db):
    if db.dialect != "postgresql":
        pytest.skip("row-lock concurrency is proven on PostgreSQL")


async def _two_loops(db, clock, one_pass) -> list[int]:
    """One pass of a loop on each of two workers at once, each on its own engine."""
    second_worker = Database(db.url)
    try:
        return await asyncio.gather(one_pass(db, clock=clock), one_pass(second_worker, clock=clock))
    finally:
        await second_worker.dispose()


async def test_fifty_deadlines_bounce_exactly_once_with_two_loops(db, clock, postgres_only):
    org = await make_org(db)
    first = await make_agent(db, "first", [org], capacity=50)
    chats = [await new_chat(db, org, clock, email=f"c{i}@example.com") for i in range(50)]
    others = [await make_agent(db, f"other{i}", [org], capacity=10) for i in range(4)]  # 40 slots for 50
    clock.advance(seconds=60)
    counts = await _two_loops(db, clock, bouncing.bounce_due)
    async with db.read() as session:
        per_deadline = (await session.exec(select(Bounce.interaction_id, func.count()).group_by(
            Bounce.interaction_id))).all()
        rows = (await session.exec(select(Interaction))).all()
    assert sum(counts) == 50 and len(per_deadline) == 50  # none lost
    assert all(n == 1 for _, n in per_deadline)  # none twice
    per_agent = {a.user_id: sum(1 for r in rows if r.assignee_id == a.user_id) for a in others}
    assert all(n <= 10 for n in per_agent.values()) and sum(per_agent.values()) == 40  # capacity holds
    assert sum(1 for r in rows if r.assignee_id == first.user_id) == 10  # back only when no one else qualifies
    assert {c.id for c in chats} == {r.id for r in rows}


async def test_select_and_bounce_at_the_same_instant_never_both_win(db, clock, postgres_only):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    chat_ = await new_chat(db, org, clock)
    await make_agent(db, "bob", [org])
    clock.advance(seconds=60)
    other = Database(db.url)
    try:
        async with db.transaction() as session:  # the agent's click holds the row...
            await interactions.select_interaction(session, identity=alice, interaction_id=chat_.id, clock=clock)
            assert await bouncing.bounce_due(other, clock=clock) == 0  # ...so the loop skips it
        assert await bouncing.bounce_due(other, clock=clock) == 0  # and finds it selected afterwards
    finally:
        await other.dispose()
    async with db.read() as session:
        stored = await session.get(Interaction, chat_.id)
    assert stored.assignee_id == alice.user_id and stored.selected_at is not None


async def test_concurrent_transfer_clicks_move_it_once(db, clock, postgres_only):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    chats = [await new_chat(db, org, clock, email=f"c{i}@example.com") for i in range(5)]
    members = [await make_agent(db, f"member{i}", [org]) for i in range(2)]
    async with db.transaction() as session:
        team = Team(organization_id=org.id, name="Returns")
        session.add(team)
        await session.flush()
        session.add_all([TeamMember(team_id=team.id, user_id=m.user_id) for m in members])
        for member in members:  # room for 2 of the 5 between them
            (await session.get(AgentCapacity, (member.user_id, "chat"))).capacity = 1
    workers = [Database(db.url) for _ in range(3)]

    async def click(worker, chat_id):
        try:
            async with worker.transaction() as session:
                return await transfers.request_transfer(session, identity=alice, interaction_id=chat_id,
                                                        team_id=team.id, clock=clock)
        except Refused:
            return None

    try:
        outcomes = await asyncio.gather(*[click(w, c.id) for c in chats for w in workers])
    finally:
        for worker in workers:
            await worker.dispose()
    async with db.read() as session:
        requests = (await session.exec(select(TransferRequest))).all()
        rows = (await session.exec(select(Interaction))).all()
    assert len([o for o in outcomes if o is not None]) == 5  # one accepted click per interaction
    assert sorted(r.interaction_id for r in requests) == sorted(c.id for c in chats)
    assert sum(r.status == "done" for r in requests) == 2 and sum(r.status == "pending" for r in requests) == 3
    assert sorted(r.assignee_id for r in rows if r.assignee_id != alice.user_id) == sorted(
        m.user_id for m in members)  # capacity holds


async def test_pending_transfers_complete_once_with_two_loops(db, clock, postgres_only):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org], capacity=50)
    member = await make_agent(db, "member", [org], available=False, capacity=50)
    async with db.transaction() as session:
        team = Team(organization_id=org.id, name="Returns")
        session.add(team)
        await session.flush()
        session.add(TeamMember(team_id=team.id, user_id=member.user_id))
    chats = [await new_chat(db, org, clock, email=f"c{i}@example.com") for i in range(50)]
    for c in chats:
        async with db.transaction() as session:
            await transfers.request_transfer(session, identity=alice, interaction_id=c.id, team_id=team.id,
                                             clock=clock)
    async with db.transaction() as session:
        (await session.get(User, member.user_id)).available = True
    done = await _two_loops(db, clock, transfers.complete_pending)
    async with db.read() as session:
        statuses = (await session.exec(select(TransferRequest.status))).all()
        mine = (await session.exec(select(func.count()).select_from(Interaction).where(
            Interaction.assignee_id == member.user_id))).one()
    assert sum(done) == 50 and statuses == ["done"] * 50 and mine == 50


async def _bounce_while_another_pass_holds(db, clock, held):
    """One bounce pass while another transaction holds `held`'s row, as the other worker's pass assigning to
    them would. A guard against hanging: a pass must skip that agent, never wait for it."""
    other = Database(db.url)
    try:
        async with other.transaction() as holding:
            await holding.exec(select(User).where(User.id == held.user_id).with_for_update())
            return await asyncio.wait_for(bouncing.bounce_due(db, clock=clock), timeout=30)
    finally:
        await other.dispose()


async def test_a_bounce_skips_an_agent_another_pass_holds_and_takes_the_next(db, clock, postgres_only):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    chat_ = await new_chat(db, org, clock)
    bob = await make_agent(db, "bob", [org])  # never assigned: the best choice, but held
    carol = await make_agent(db, "carol", [org], last_assigned_at=clock())
    clock.advance(seconds=60)
    assert await _bounce_while_another_pass_holds(db, clock, bob) == 1
    async with db.read() as session:
        assert (await session.get(Interaction, chat_.id)).assignee_id == carol.user_id != alice.user_id


async def test_a_bounce_never_goes_back_because_the_only_other_agent_was_held(db, clock, postgres_only):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    chat_ = await new_chat(db, org, clock)
    bob = await make_agent(db, "bob", [org])
    clock.advance(seconds=60)
    assert await _bounce_while_another_pass_holds(db, clock, bob) == 0  # left armed for the next pass
    async with db.read() as session:
        waiting = await session.get(Interaction, chat_.id)
        assert (waiting.assignee_id, waiting.bounce_due_at) == (alice.user_id, clock())  # due now, still armed
        assert (await session.exec(select(Bounce))).all() == []
    assert await bouncing.bounce_due(db, clock=clock) == 1  # once bob is free, it goes to him
    async with db.read() as session:
        assert (await session.get(Interaction, chat_.id)).assignee_id == bob.user_id


async def test_pending_transfers_complete_oldest_first_with_two_loops(db, clock, postgres_only):
    """Room for 26 of 50 requests: the 26 oldest complete, and in the order they were made, with two loops."""
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org], capacity=50)
    members = [await make_agent(db, f"member{i}", [org], available=False, capacity=13) for i in range(2)]
    team = await make_team(db, org, "Returns", *members)
    chats = [await new_chat(db, org, clock, email=f"c{i}@example.com") for i in range(50)]
    for c in chats:
        clock.advance(seconds=1)
        async with db.transaction() as session:
            await transfers.request_transfer(session, identity=alice, interaction_id=c.id, team_id=team.id,
                                             clock=clock)
    async with db.transaction() as session:
        for member in members:
            (await session.get(User, member.user_id)).available = True
    done = await _two_loops(db, clock, transfers.complete_pending)
    async with db.read() as session:
        settled = (await session.exec(select(RoutingDecision.interaction_id).where(
            col(RoutingDecision.explanation).contains("Transferred by")).order_by(RoutingDecision.id))).all()
        pending = (await session.exec(select(TransferRequest.interaction_id).where(
            TransferRequest.status == "pending").order_by(TransferRequest.requested_at))).all()
    asked = [c.id for c in chats]
    assert sum(done) == 26 and settled == asked[:26]  # the oldest, one after the other
    assert pending == asked[26:]
