"""Transfers: to an available member now, otherwise awaiting transfer until one can take it, oldest request
first; abandoned by wrap-up and by the customer leaving; never to another organization's team."""

from __future__ import annotations

import pytest
from sqlmodel import select

from services import chat, interactions, presence, teams, transfers
from services.errors import NotFound, Refused
from services.models import Interaction, RoutingDecision, TransferRequest
from tests.services.factories import make_agent, make_org, make_team, new_chat


async def _transfer(db, identity, chat_id, team_id, clock):
    async with db.transaction() as session:
        return await transfers.request_transfer(session, identity=identity, interaction_id=chat_id,
                                                team_id=team_id, clock=clock)


async def _get(db, interaction_id) -> Interaction:
    async with db.read() as session:
        return await session.get(Interaction, interaction_id)


async def _set_available(db, identity, available, clock):
    async with db.transaction() as session:
        await presence.set_available(session, identity=identity, available=available, clock=clock)


@pytest.fixture
async def world(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    bob = await make_agent(db, "bob", [org], available=False)  # alice gets every chat while bob is away
    chat_ = await new_chat(db, org, clock)
    return org, alice, bob, chat_


async def test_a_transfer_to_a_team_with_an_available_member_moves_it_now(db, clock, world):
    org, alice, bob, chat_ = world
    returns = await make_team(db, org, "Returns", bob)
    await _set_available(db, bob, True, clock)
    outcome = await _transfer(db, alice, chat_.id, returns.id, clock)
    assert (outcome.team_name, outcome.agent_name, outcome.awaiting) == ("Returns", "Bob", False)
    moved = await _get(db, chat_.id)
    assert (moved.assignee_id, moved.arrived_by, moved.selected_at) == (bob.user_id, "transfer", None)
    async with db.read() as session:
        alices = await interactions.panel(session, identity=alice, tab="active", clock=clock)
        bobs = await interactions.panel(session, identity=bob, tab="active", clock=clock)
        decision = (await session.exec(select(RoutingDecision).where(RoutingDecision.interaction_id == chat_.id)
                                       .order_by(RoutingDecision.id.desc()))).first()
    assert alices == []  # it leaves the sender's panel
    assert [(r.transferred, r.unread) for r in bobs] == [(True, True)]
    assert "Transferred by alice to team Returns" in decision.explanation


async def test_a_transfer_to_a_team_with_no_one_available_waits_and_completes_when_a_member_is(db, clock, world):
    org, alice, bob, chat_ = world
    returns = await make_team(db, org, "Returns", bob)
    outcome = await _transfer(db, alice, chat_.id, returns.id, clock)
    assert outcome.awaiting
    async with db.read() as session:
        [row] = await interactions.panel(session, identity=alice, tab="active", clock=clock)
    assert row.pending_transfer and (await _get(db, chat_.id)).bounce_due_at is None
    with pytest.raises(Refused, match="already awaiting transfer"):
        await _transfer(db, alice, chat_.id, returns.id, clock)
    assert await transfers.complete_pending(db, clock=clock) == 0
    await _set_available(db, bob, True, clock)
    assert await transfers.complete_pending(db, clock=clock) == 1
    assert (await _get(db, chat_.id)).assignee_id == bob.user_id


async def test_pending_transfers_complete_in_the_order_they_were_requested(db, clock, world):
    org, alice, bob, first = world
    async with db.transaction() as session:  # bob can take one more chat only
        from services.models import AgentCapacity
        (await session.get(AgentCapacity, (bob.user_id, "chat"))).capacity = 1
    second = await new_chat(db, org, clock, email="second@example.com")
    returns = await make_team(db, org, "Returns", bob)
    clock.advance(seconds=1)
    await _transfer(db, alice, second.id, returns.id, clock)  # asked first
    clock.advance(seconds=1)
    await _transfer(db, alice, first.id, returns.id, clock)
    await _set_available(db, bob, True, clock)
    assert await transfers.complete_pending(db, clock=clock) == 1
    assert (await _get(db, second.id)).assignee_id == bob.user_id
    assert (await _get(db, first.id)).assignee_id == alice.user_id  # still awaiting transfer


async def test_wrap_up_abandons_a_pending_transfer(db, clock, world):
    org, alice, bob, chat_ = world
    returns = await make_team(db, org, "Returns", bob)
    await _transfer(db, alice, chat_.id, returns.id, clock)
    async with db.transaction() as session:
        await interactions.wrap_up(session, identity=alice, interaction_id=chat_.id, category="Order",
                                   subcategory="Return", notes="", follow_up=False, clock=clock)
    await _set_available(db, bob, True, clock)
    assert await transfers.complete_pending(db, clock=clock) == 0
    async with db.read() as session:
        assert (await session.exec(select(TransferRequest.status))).all() == ["abandoned"]


async def test_the_customer_ending_the_chat_abandons_a_pending_transfer(db, clock, world):
    org, alice, bob, chat_ = world
    returns = await make_team(db, org, "Returns", bob)
    await _transfer(db, alice, chat_.id, returns.id, clock)
    async with db.transaction() as session:
        await chat.end_chat(session, interaction=chat_, clock=clock)
    await _set_available(db, bob, True, clock)
    assert await transfers.complete_pending(db, clock=clock) == 0
    assert (await _get(db, chat_.id)).assignee_id == alice.user_id


async def test_never_to_a_team_of_another_organization(db, clock, world):
    org, alice, bob, chat_ = world
    janes = await make_org(db, "janes", "Jane's")
    theirs = await make_team(db, janes, "Escalations")
    with pytest.raises(NotFound):
        await _transfer(db, alice, chat_.id, theirs.id, clock)
    async with db.read() as session:
        assert (await session.exec(select(TransferRequest))).all() == []


async def test_team_availability_is_per_channel_and_ignores_the_sender(db, clock, world):
    org, alice, bob, chat_ = world
    carol = await make_agent(db, "carol", [org], capacity=0)  # Available, but no chat capacity
    await make_team(db, org, "Returns", bob)
    await make_team(db, org, "Escalations", carol)
    await make_team(db, org, "Care", alice)
    await _set_available(db, bob, True, clock)
    async with db.read() as session:
        interaction = await _get(db, chat_.id)
        found = await teams.options(session, identity=alice, interaction=interaction)
        searched = await teams.options(session, identity=alice, interaction=interaction, search="ret")
    assert [(o.name, o.available) for o in found] == [("Care", False), ("Escalations", False), ("Returns", True)]
    assert [o.name for o in searched] == ["Returns"]


async def test_a_new_request_waits_behind_the_teams_earlier_pending_ones(db, clock, world):
    org, alice, bob, first = world
    second = await new_chat(db, org, clock, email="second@example.com")
    returns = await make_team(db, org, "Returns", bob)
    assert (await _transfer(db, alice, first.id, returns.id, clock)).awaiting
    await _set_available(db, bob, True, clock)  # before the loop has looked again
    assert (await _transfer(db, alice, second.id, returns.id, clock)).awaiting  # it does not overtake
    assert await transfers.complete_pending(db, clock=clock) == 2
    async with db.read() as session:
        settled = (await session.exec(select(RoutingDecision.interaction_id).where(
            RoutingDecision.chosen_user_id == bob.user_id).order_by(RoutingDecision.id))).all()
    assert settled == [first.id, second.id]
