"""Cases, messages, the Interaction Panel (scope, red dot, Done), wrap-up and refusals of foreign ids."""

from __future__ import annotations

import pytest
from sqlmodel import select

from services import chat, interactions, routing
from services.errors import NotFound, Refused
from services.models import Case, Interaction, Message
from tests.services.factories import make_agent, make_org, new_chat


async def _send(db, identity, interaction_id, body, clock):
    async with db.transaction() as session:
        return await interactions.send_agent_message(session, identity=identity, interaction_id=interaction_id,
                                                     body=body, clock=clock)


async def _panel(db, identity, clock, tab="active"):
    async with db.read() as session:
        return await interactions.panel(session, identity=identity, tab=tab, clock=clock)


async def _customer_says(db, interaction_id, body, clock):
    async with db.transaction() as session:
        interaction = await session.get(Interaction, interaction_id)
        await interactions.add_customer_message(session, interaction_id=interaction.id, body=body, clock=clock)


async def _wrap_up(db, identity, interaction_id, clock, follow_up=False):
    async with db.transaction() as session:
        return await interactions.wrap_up(session, identity=identity, interaction_id=interaction_id, category="Order",
                                          subcategory="Return", notes="done", follow_up=follow_up, clock=clock)


async def test_an_interaction_joins_the_open_case_or_creates_one_with_its_origin(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    first = await new_chat(db, org, clock)
    second = await new_chat(db, org, clock)  # same contact, case still open
    other = await new_chat(db, org, clock, email="someone.else@example.com")
    assert second.case_id == first.case_id and second.joined_open_case and not first.joined_open_case
    assert other.case_id != first.case_id
    await _wrap_up(db, agent, first.id, clock)
    await _wrap_up(db, agent, second.id, clock)
    third = await new_chat(db, org, clock)  # the case is closed now: a new one
    assert third.case_id != first.case_id
    async with db.read() as session:
        assert (await session.get(Case, third.case_id)).origin == "chat"


async def test_red_dot_new_until_selected_and_again_when_the_customer_speaks_last(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    chat_ = await new_chat(db, org, clock)
    assert (await _panel(db, agent, clock))[0].unread is True
    async with db.transaction() as session:
        await interactions.select_interaction(session, identity=agent, interaction_id=chat_.id, clock=clock)
    assert (await _panel(db, agent, clock))[0].unread is False
    await _customer_says(db, chat_.id, "Hello? Are you there.", clock)
    row = (await _panel(db, agent, clock))[0]
    assert row.unread is True and row.last_sentence == "Are you there."
    await _send(db, agent, chat_.id, "Yes, I am here!", clock)
    assert (await _panel(db, agent, clock))[0].unread is False


async def test_an_agent_sees_only_their_own_interactions_across_their_organizations(db, clock):
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    alice = await make_agent(db, "alice", [sophias, janes], capacity=2)
    bob = await make_agent(db, "bob", [sophias])
    a1 = await new_chat(db, sophias, clock, email="1@example.com")
    a2 = await new_chat(db, janes, clock, email="2@example.com")
    b1 = await new_chat(db, sophias, clock, email="3@example.com")  # bob has fewer open chats
    alice_rows = await _panel(db, alice, clock)
    assert [r.interaction_id for r in alice_rows] == [a1.id, a2.id]
    assert {r.organization_name for r in alice_rows} == {"Sophia's", "Jane's"}
    assert [r.interaction_id for r in await _panel(db, bob, clock)] == [b1.id]


async def test_foreign_ids_are_refused_and_change_nothing(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org], capacity=1)
    bob = await make_agent(db, "bob", [org], capacity=1)
    alices = await new_chat(db, org, clock, email="1@example.com")
    bobs = await new_chat(db, org, clock, email="2@example.com")
    assert {alices.assignee_id, bobs.assignee_id} == {alice.user_id, bob.user_id}
    foreign = bobs if alices.assignee_id == alice.user_id else alices
    with pytest.raises(NotFound):
        await _send(db, alice, foreign.id, "hi", clock)
    with pytest.raises(NotFound):
        await _wrap_up(db, alice, foreign.id, clock)
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await interactions.select_interaction(session, identity=alice, interaction_id=foreign.id, clock=clock)
    with pytest.raises(NotFound):
        await _send(db, alice, 999999, "hi", clock)
    async with db.read() as session:
        untouched = await session.get(Interaction, foreign.id)
        messages = (await session.exec(select(Message).where(Message.interaction_id == foreign.id))).all()
    assert untouched.state == "assigned" and untouched.selected_at is None and messages == []


async def test_an_empty_message_is_not_sent(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    chat_ = await new_chat(db, org, clock)
    with pytest.raises(Refused, match="Type a message"):
        await _send(db, agent, chat_.id, "   \n ", clock)


async def test_a_message_to_a_customer_who_left_shows_as_failed(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    chat_ = await new_chat(db, org, clock)
    async with db.transaction() as session:
        await chat.end_chat(session, interaction=await session.get(Interaction, chat_.id), clock=clock)
    message = await _send(db, agent, chat_.id, "Are you still there?", clock)
    assert message.delivery_status == "failed" and "ended the chat" in message.failure_reason


async def test_wrap_up_closes_interaction_and_case_or_keeps_the_case_for_follow_up(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    plain = await new_chat(db, org, clock, email="1@example.com")
    follow = await new_chat(db, org, clock, email="2@example.com")
    with pytest.raises(Refused, match="category"):
        async with db.transaction() as session:
            await interactions.wrap_up(session, identity=agent, interaction_id=plain.id, category="Nope",
                                       subcategory="", notes="", follow_up=False, clock=clock)
    await _wrap_up(db, agent, plain.id, clock)
    await _wrap_up(db, agent, follow.id, clock, follow_up=True)
    async with db.read() as session:
        assert (await session.get(Case, plain.case_id)).status == "closed"
        kept = await session.get(Case, follow.case_id)
        assert kept.status == "open" and kept.follow_up and kept.notes == "done"
    assert await _panel(db, agent, clock) == []
    done = await _panel(db, agent, clock, tab="done")
    assert {r.interaction_id for r in done} == {plain.id, follow.id} and all(r.closed for r in done)
    with pytest.raises(Refused, match="closed"):
        await _send(db, agent, plain.id, "hello", clock)


async def _case(db, case_id) -> Case:
    async with db.read() as session:
        return await session.get(Case, case_id)


async def test_a_case_closes_only_when_its_last_open_interaction_is_wrapped_up(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org], capacity=2)
    first, second, queued = [await new_chat(db, org, clock) for _ in range(3)]  # one contact: one case
    assert first.case_id == second.case_id == queued.case_id and queued.state == "queued"
    await _wrap_up(db, agent, first.id, clock)
    assert (await _case(db, first.case_id)).status == "open"  # the second is still being handled
    await _wrap_up(db, agent, second.id, clock)
    assert (await _case(db, first.case_id)).status == "open"  # a queued one is open too
    async with db.transaction() as session:
        await routing.route(session, interaction_id=queued.id, clock=clock)
    await _wrap_up(db, agent, queued.id, clock)
    case = await _case(db, first.case_id)
    assert (case.status, case.closed_at) == ("closed", clock())


async def test_the_last_wrap_up_with_follow_up_keeps_the_case_open(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    first, second = await new_chat(db, org, clock), await new_chat(db, org, clock)
    await _wrap_up(db, agent, first.id, clock)
    await _wrap_up(db, agent, second.id, clock, follow_up=True)
    case = await _case(db, first.case_id)
    assert case.status == "open" and case.follow_up


async def test_done_keeps_the_last_thirty(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org], capacity=40)
    chats = [await new_chat(db, org, clock, email=f"{i}@example.com") for i in range(32)]
    for c in chats:
        clock.advance(seconds=1)
        await _wrap_up(db, agent, c.id, clock)
    done = await _panel(db, agent, clock, tab="done")
    assert len(done) == 30 and done[0].interaction_id == chats[-1].id


async def test_panel_time_rule_and_email_rows(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        email = await interactions.open_interaction(session, organization_id=org.id, channel="email", clock=clock,
                                                    first_name="Em", last_name="Ail", email="em@example.com")
    await new_chat(db, org, clock)
    email_row = next(r for r in await _panel(db, agent, clock) if r.interaction_id == email.id)
    assert email_row.last_sentence == "" and email_row.recent
    clock.advance(hours=25)
    assert not any(r.recent for r in await _panel(db, agent, clock))
