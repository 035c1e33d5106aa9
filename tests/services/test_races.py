"""Races between concurrent transactions on PostgreSQL, each caller with its own `db.transaction()`.

SQLite runs one writer at a time (services/db.py), so these interleavings cannot happen there and the tests
skip it. Where a race needs one exact interleaving, the test arranges it (an asyncio.Event, or waiting until
the other transaction is blocked on a row lock) instead of hoping the scheduler finds it.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from services import chat, interactions, wrap_up_categories
from services.errors import Refused
from services.models import AuditEvent, Case, CsatRating, Interaction, Message, WrapUpCategory
from tests.services.factories import make_agent, make_org, new_chat

SECRET = "test-secret"
N = 5


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if db.dialect != "postgresql":
        pytest.skip("concurrent transactions are proven on PostgreSQL; SQLite serialises writers")


async def _until_blocked_or_done(db, task: asyncio.Task) -> None:
    """Wait until another transaction waits on a row lock (or has already finished without waiting)."""
    for _ in range(1000):
        if task.done():
            return
        async with db.read() as session:
            waiting = (await session.exec(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))).scalar_one()
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the other transaction neither finished nor waited on a lock")


def _refusals_only(results, *, allowed: int) -> list[Refused]:
    """The calls that did not go through: each a clear refusal, never an IntegrityError or other failure."""
    failures = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(f, Refused) for f in failures), failures
    assert len(results) - len(failures) == allowed
    return failures


async def _chat(db, org, clock, email="pat@example.com"):
    async with db.transaction() as session:
        return await chat.start_chat(session, organization=org, secret_key=SECRET, clock=clock, first_name="Pat",
                                     last_name="Lee", email=email)


async def _customer_says(db, org, token, body, clock):
    async with db.transaction() as session:
        await chat.send_customer_message(session, organization=org, token=token, secret_key=SECRET, body=body,
                                         clock=clock)


async def _agent_says(db, agent, interaction_id, body, clock):
    async with db.transaction() as session:
        await interactions.send_agent_message(session, identity=agent, interaction_id=interaction_id, body=body,
                                              clock=clock)


async def _interaction(db, interaction_id) -> Interaction:
    async with db.read() as session:
        return await session.get(Interaction, interaction_id)


# --- 1. the customer's message locks the interaction like the agent's reply does -----------------

async def test_a_customer_message_racing_an_agent_reply_keeps_the_red_dot(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    started = await _chat(db, org, clock)
    async with db.transaction() as session:
        await interactions.select_interaction(session, identity=agent, interaction_id=started.interaction_id,
                                              clock=clock)
    await _customer_says(db, org, started.token, "Hello", clock)
    loaded, replied = asyncio.Event(), asyncio.Event()

    async def customer():  # as the Live Chat did: find the chat by token, then write in it
        async with db.transaction() as session:
            interaction = await chat.interaction_for_token(session, organization=org, token=started.token,
                                                           secret_key=SECRET)
            loaded.set()
            await replied.wait()  # the agent's reply commits in between
            await interactions.add_customer_message(session, interaction_id=interaction.id, body="Are you there?",
                                                    clock=clock)

    async def agent_replies():
        await loaded.wait()
        await _agent_says(db, agent, started.interaction_id, "One moment please", clock)
        replied.set()

    await asyncio.gather(customer(), agent_replies())
    stored = await _interaction(db, started.interaction_id)
    assert (stored.last_author, stored.last_text) == ("customer", "Are you there?")
    assert interactions.is_unread(stored)  # the customer spoke last: the red dot shows


async def test_parallel_customer_and_agent_messages_leave_the_last_author_of_the_last_message(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    started = await _chat(db, org, clock)
    await asyncio.gather(*[_customer_says(db, org, started.token, f"customer {i}", clock) for i in range(N)],
                         *[_agent_says(db, agent, started.interaction_id, f"agent {i}", clock) for i in range(N)])
    async with db.read() as session:
        last = (await session.exec(select(Message).where(
            Message.interaction_id == started.interaction_id, col(Message.author).in_(("customer", "agent")))
            .order_by(col(Message.id).desc()).limit(1))).one()
    stored = await _interaction(db, started.interaction_id)
    assert (stored.last_author, stored.last_text) == (last.author, last.body)


# --- 2. one rating per chat, one row per wrap-up pair -----------------------------------------------

async def test_concurrent_ratings_store_one_and_refuse_the_rest_clearly(db, clock):
    org = await make_org(db)
    started = await _chat(db, org, clock)
    async with db.transaction() as session:
        await chat.end_chat(session, interaction=await session.get(Interaction, started.interaction_id), clock=clock)

    async def rate(score):
        async with db.transaction() as session:
            interaction = await chat.interaction_for_token(session, organization=org, token=started.token,
                                                           secret_key=SECRET)
            await chat.rate_chat(session, interaction=interaction, score=score, clock=clock)

    results = await asyncio.gather(*[rate(1 + i % 5) for i in range(N)], return_exceptions=True)
    refusals = _refusals_only(results, allowed=1)
    assert all("already been rated" in str(r) for r in refusals)
    async with db.read() as session:
        assert len((await session.exec(select(CsatRating))).all()) == 1


async def test_concurrent_adds_of_one_wrap_up_pair_store_one_row_and_refuse_the_rest_clearly(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "maria", [org])
    maria = dataclasses.replace(agent, grants=agent.grants | {"manage_wrap_up"})

    async def add():
        async with db.transaction() as session:
            await wrap_up_categories.add(session, identity=maria, organization_id=org.id, category="Billing",
                                         subcategory="Refund status", clock=clock)

    results = await asyncio.gather(*[add() for _ in range(N)], return_exceptions=True)
    refusals = _refusals_only(results, allowed=1)
    assert all("already in the list" in str(r) for r in refusals)
    async with db.read() as session:
        rows = (await session.exec(select(WrapUpCategory).where(WrapUpCategory.category == "Billing"))).all()
        added = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "wrap_up_category.added"))).all()
    assert len(rows) == 1 and len(added) == 1


# --- 3. End chat twice at once -------------------------------------------------------------------

async def test_ending_a_chat_from_two_tabs_at_once_says_so_once(db, clock):
    org = await make_org(db)
    started = await _chat(db, org, clock)

    async def end():
        async with db.transaction() as session:
            interaction = await chat.interaction_for_token(session, organization=org, token=started.token,
                                                           secret_key=SECRET)
            await chat.end_chat(session, interaction=interaction, clock=clock)

    await asyncio.gather(*[end() for _ in range(N)])
    async with db.read() as session:
        ended = (await session.exec(select(Message).where(
            Message.interaction_id == started.interaction_id, Message.body == "The customer ended the chat."))).all()
        audited = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "chat.ended"))).all()
    assert len(ended) == 1 and len(audited) == 1


# --- 4. a case closes with its last open interaction -----------------------------------------------

async def _wrap_up(db, agent, interaction_id, clock):
    async with db.transaction() as session:
        await interactions.wrap_up(session, identity=agent, interaction_id=interaction_id, category="Order",
                                   subcategory="Return", notes="", follow_up=False, clock=clock)


async def test_the_second_of_two_wrap_ups_waiting_on_the_case_sees_the_first_and_closes_it(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    first, second = await new_chat(db, org, clock), await new_chat(db, org, clock)  # one contact, one case
    assert first.case_id == second.case_id
    async with db.transaction() as session:
        await interactions.wrap_up(session, identity=agent, interaction_id=first.id, category="Order",
                                   subcategory="Return", notes="", follow_up=False, clock=clock)
        # Still uncommitted: the second wrap-up starts now and must wait for the case before counting.
        other = asyncio.create_task(_wrap_up(db, agent, second.id, clock))
        await _until_blocked_or_done(db, other)
    await other
    async with db.read() as session:
        case = await session.get(Case, first.case_id)
    assert case.status == "closed"


async def test_parallel_wrap_ups_of_one_case_close_it_exactly_once(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org], capacity=N)
    chats = [await new_chat(db, org, clock) for _ in range(N)]
    assert len({c.case_id for c in chats}) == 1
    await asyncio.gather(*[_wrap_up(db, agent, c.id, clock) for c in chats])
    async with db.read() as session:
        case = await session.get(Case, chats[0].case_id)
        events = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "interaction.wrapped_up"))).all()
    assert case.status == "closed"
    assert sum('"case_closed": true' in e.detail for e in events) == 1


async def test_a_chat_arriving_while_its_case_is_wrapped_up_opens_a_new_case(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    first = await new_chat(db, org, clock)
    async with db.transaction() as session:
        await interactions.wrap_up(session, identity=agent, interaction_id=first.id, category="Order",
                                   subcategory="Return", notes="", follow_up=False, clock=clock)
        # The case is closed but not yet committed when the same customer writes again.
        arriving = asyncio.create_task(new_chat(db, org, clock))
        await _until_blocked_or_done(db, arriving)
    second = await arriving
    async with db.read() as session:
        first_case, second_case = await session.get(Case, first.case_id), await session.get(Case, second.case_id)
    assert first_case.status == "closed"
    assert second.case_id != first.case_id and second_case.status == "open" and not second.joined_open_case
