"""The conversation section: a verified customer's earlier interactions come first, marked, oldest to newest."""

from __future__ import annotations

from services import chat, conversation, interactions
from services.models import Interaction
from tests.services.factories import make_agent, make_customer, make_org, new_chat


async def _chat(db, org, customer, clock, text):
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, customer=customer)
        interaction = await session.get(Interaction, started.interaction_id)
        await interactions.add_customer_message(session, interaction_id=interaction.id, body=text, clock=clock)
    return started.interaction_id


async def _transcript(db, interaction_id):
    async with db.read() as session:
        interaction = await session.get(Interaction, interaction_id)
        return await conversation.transcript(session, interaction=interaction)


async def test_a_verified_customers_history_is_shown_oldest_first_with_channel_and_date(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    ellen = await make_customer(db, org)
    first = await _chat(db, org, ellen, clock, "Where is my scarf?")
    async with db.transaction() as session:
        await interactions.wrap_up(session, identity=agent, interaction_id=first, category="Order",
                                   subcategory="Return", notes="", follow_up=False, clock=clock)
    clock.advance(days=3)
    second = await _chat(db, org, ellen, clock, "And my boots?")
    items = await _transcript(db, second)
    bodies = [i.body or i.label for i in items]
    assert bodies.index("Where is my scarf?") < bodies.index("And my boots?")
    dividers = [i.label for i in items if i.kind == "divider"]
    assert dividers == ["Earlier chat · Nov 25, 2026", "This chat · Nov 28, 2026"]


async def test_an_unverified_customer_sees_only_this_interaction(db, clock):
    org = await make_org(db)
    await make_agent(db, "alice", [org])
    earlier = await new_chat(db, org, clock, first="Pat", last="Lee", email="pat@example.com")
    async with db.transaction() as session:
        interaction = await session.get(Interaction, earlier.id)
        await interactions.add_customer_message(session, interaction_id=interaction.id, body="Earlier words", clock=clock)
    later = await new_chat(db, org, clock, first="Pat", last="Lee", email="pat@example.com")
    items = await _transcript(db, later.id)
    assert all(i.kind == "message" for i in items) and "Earlier words" not in [i.body for i in items]
