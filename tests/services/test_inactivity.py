"""Chat inactivity with the injected clock: a customer who leaves the agent's message unanswered past the
organization's timeout leaves the chat inactive for the agent and abandons its pending transfer; a customer
waiting on the agent never times out; the timeout is an organization setting only its managers change."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select

from services import chat, inactivity, interactions, organization_settings, transfers
from services.errors import NotFound, Refused
from services.handoff_loop import run_pass
from services.models import Interaction, Message, Organization, TransferRequest
from tests.services.factories import make_agent, make_org, make_team

SECRET = "test-secret"


async def _start(db, org, clock) -> int:
    async with db.transaction() as session:
        organization = await session.get(Organization, org.id)  # with its settings as they are now
        started = await chat.start_chat(session, organization=organization, secret_key=SECRET, clock=clock,
                                        first_name="Pat", last_name="Lee", email="pat@example.com")
    return started.interaction_id


async def _customer_says(db, interaction_id, body, clock) -> None:
    async with db.transaction() as session:
        await chat.send_in_chat(session, interaction_id=interaction_id, body=body, clock=clock)


async def _agent_says(db, agent, interaction_id, body, clock) -> None:
    async with db.transaction() as session:
        await interactions.send_agent_message(session, identity=agent, interaction_id=interaction_id, body=body,
                                              clock=clock)


async def _row(db, identity, clock):
    async with db.read() as session:
        [row] = await interactions.panel(session, identity=identity, tab="active", clock=clock)
    return row


@pytest.fixture
async def world(db, clock):
    org = await make_org(db)  # the default timeout: 15 minutes
    alice = await make_agent(db, "alice", [org])
    chat_id = await _start(db, org, clock)
    await _agent_says(db, alice, chat_id, "Hi Pat, how can I help?", clock)  # the customer's turn from now
    return org, alice, chat_id


async def test_a_customer_waiting_on_the_agent_never_times_out(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    chat_id = await _start(db, org, clock)
    clock.advance(hours=3)  # no agent has written yet
    assert await inactivity.expire_due(db, clock=clock) == 0
    await _agent_says(db, alice, chat_id, "Sorry for the wait!", clock)
    await _customer_says(db, chat_id, "No problem", clock)
    clock.advance(hours=3)  # the customer answered: the agent's turn, however long it takes
    assert await inactivity.expire_due(db, clock=clock) == 0
    assert not (await _row(db, alice, clock)).inactive


async def test_a_chat_silent_past_the_timeout_goes_inactive_once(db, clock, world):
    org, alice, chat_id = world
    clock.advance(seconds=15 * 60 - 1)
    assert await inactivity.expire_due(db, clock=clock) == 0  # a second to go
    clock.advance(seconds=1)
    assert await inactivity.expire_due(db, clock=clock) == 1
    assert await inactivity.expire_due(db, clock=clock) == 0  # once
    row = await _row(db, alice, clock)
    assert (row.inactive, row.customer_left, row.unread, row.transferred) == (True, True, False, False)
    async with db.read() as session:
        stored = await session.get(Interaction, chat_id)
        notes = (await session.exec(select(Message.body).where(Message.interaction_id == chat_id))).all()
    assert stored.assignee_id == alice.user_id and stored.state == "assigned"  # still hers to wrap up
    assert stored.chat_ended_at == stored.inactive_at == clock() and stored.bounce_due_at is None
    assert any("inactive" in n for n in notes), notes
    with pytest.raises(Refused):  # the customer's side is over
        await _customer_says(db, chat_id, "hello?", clock)


async def test_a_customer_answer_disarms_it_and_the_agents_next_message_rearms_it(db, clock, world):
    org, alice, chat_id = world
    clock.advance(seconds=10 * 60)
    await _customer_says(db, chat_id, "still there", clock)
    clock.advance(seconds=6 * 60)  # 16 minutes since the agent wrote, but the customer answered
    assert await inactivity.expire_due(db, clock=clock) == 0
    await _agent_says(db, alice, chat_id, "Found it: it ships today.", clock)
    clock.advance(seconds=15 * 60 - 1)
    assert await inactivity.expire_due(db, clock=clock) == 0
    assert not (await _row(db, alice, clock)).inactive
    clock.advance(seconds=1)
    assert await inactivity.expire_due(db, clock=clock) == 1
    assert (await _row(db, alice, clock)).customer_left


async def test_inactivity_abandons_a_pending_transfer_in_the_loop(db, clock, world):
    org, alice, chat_id = world
    bob = await make_agent(db, "bob", [org], available=False)
    returns = await make_team(db, org, "Returns", bob)
    async with db.transaction() as session:
        await interactions.select_interaction(session, identity=alice, interaction_id=chat_id, clock=clock)
        assert (await transfers.request_transfer(session, identity=alice, interaction_id=chat_id,
                                                 team_id=returns.id, clock=clock)).awaiting
    ticks: list[set[str]] = []

    async def tick(topics):
        ticks.append(topics)

    clock.advance(seconds=15 * 60)
    await run_pass(db, clock=clock, since=clock(), tick=tick)
    async with db.read() as session:
        assert (await session.exec(select(TransferRequest.status))).all() == ["abandoned"]
    row = await _row(db, alice, clock)
    assert (row.customer_left, row.pending_transfer) == (True, False)


async def test_the_timeout_is_the_organizations_setting(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "maria", [org])
    maria = dataclasses.replace(agent, grants=agent.grants | {"manage_organization"})

    async def save(identity, organization_id, minutes):
        async with db.transaction() as session:
            return await organization_settings.update(
                session, identity=identity, organization_id=organization_id, sms_otp_enabled=False,
                appease_limit="50.00", require_expiring_chat_links=False, allowed_chat_origins="", clock=clock,
                chat_inactivity_minutes=minutes)

    assert (await save(maria, org.id, " 5 ")).chat_inactivity_minutes == "5"
    for bad in ("0", "abc", "1441", "-3", "2.5"):
        with pytest.raises(Refused, match="Chat inactivity timeout"):
            await save(maria, org.id, bad)
    janes = await make_org(db, "janes", "Jane's")
    with pytest.raises(NotFound):  # a forged organization id
        await save(maria, janes.id, "30")
    with pytest.raises(NotFound):  # an agent without the grant
        await save(agent, org.id, "30")
    async with db.read() as session:
        assert [o.chat_inactivity_minutes for o in (await session.exec(
            select(Organization).order_by(Organization.id))).all()] == [5, 15]
    chat_id = await _start(db, org, clock)
    await _agent_says(db, agent, chat_id, "Hello!", clock)
    async with db.read() as session:
        assert (await session.get(Interaction, chat_id)).inactive_due_at == clock() + timedelta(minutes=5)
