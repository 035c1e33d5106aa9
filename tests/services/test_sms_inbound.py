"""Inbound SMS and WhatsApp: found by the number written to, stored once, joined to the number's open
interaction or opened like a chat, the sender only a contact, routed by per-channel capacity."""

from __future__ import annotations

from sqlmodel import select

from services import interactions
from services.channels import inbound
from services.models import AgentCapacity, Case, Interaction, Message
from tests.fakes.twilio_api import inbound_fields
from tests.services.factories import make_agent, make_customer, make_org

SMS_NUMBER, WA_NUMBER, ELLEN = "+15005550006", "+14155238886", "+14155550100"


async def _org(db, slug="sophias"):
    return await make_org(db, slug, sms_number=SMS_NUMBER if slug == "sophias" else None,
                          whatsapp_number=WA_NUMBER if slug == "sophias" else None)


async def _receive(db, clock, sid="SM1", *, from_=ELLEN, to=SMS_NUMBER, body="Where is my order?", **extra):
    return await inbound.receive(db, fields=inbound_fields(sid=sid, from_=from_, to=to, body=body, **extra),
                                 clock=clock)


async def _all(db, model):
    async with db.read() as session:
        return list((await session.exec(select(model).order_by(model.id))).all())


async def test_an_sms_opens_an_unverified_interaction_for_the_organization_of_the_number(db, clock):
    org = await _org(db)
    agent = await make_agent(db, "alice", [org])
    assert await _receive(db, clock, from_="+1 (415) 555-0100") == inbound.STORED
    [interaction] = await _all(db, Interaction)
    assert (interaction.organization_id, interaction.channel, interaction.verified) == (org.id, "sms", False)
    assert interaction.given_phone == ELLEN  # E.164, whatever formatting came
    assert interaction.channel_number == SMS_NUMBER and interaction.customer_id is None
    assert (interaction.state, interaction.assignee_id) == ("assigned", agent.user_id)
    [message] = await _all(db, Message)
    assert (message.author, message.body, message.provider_id) == ("customer", "Where is my order?", "SM1")
    async with db.read() as session:
        [row] = await interactions.panel(session, identity=agent, tab="active", clock=clock)
    assert (row.channel, row.last_sentence, row.unread, row.customer_name) == ("sms", "Where is my order?", True,
                                                                                ELLEN)


async def test_the_sender_is_only_a_contact_even_when_a_customer_has_that_phone(db, clock):
    org = await _org(db)
    await make_customer(db, org, phone=ELLEN)
    await _receive(db, clock)
    [interaction] = await _all(db, Interaction)
    assert interaction.customer_id is None and not interaction.verified
    [case] = await _all(db, Case)
    assert (case.customer_id, case.contact_phone, case.origin) == (None, ELLEN, "sms")


async def test_a_retried_message_sid_is_stored_once(db, clock):
    await _org(db)
    assert await _receive(db, clock, "SMdup") == inbound.STORED
    assert await _receive(db, clock, "SMdup") == inbound.DUPLICATE
    assert len(await _all(db, Message)) == 1 and len(await _all(db, Interaction)) == 1


async def test_the_next_message_from_that_number_joins_its_open_interaction(db, clock):
    await _org(db)
    await _receive(db, clock, "SM1")
    clock.advance(minutes=3)
    await _receive(db, clock, "SM2", body="Hello? Anyone there.")
    [interaction] = await _all(db, Interaction)
    assert [m.body for m in await _all(db, Message)] == ["Where is my order?", "Hello? Anyone there."]
    assert interaction.last_text == "Hello? Anyone there." and interaction.last_activity_at == clock()


async def test_sms_and_whatsapp_from_one_number_are_separate_interactions_on_one_case(db, clock):
    await _org(db)
    await _receive(db, clock, "SM1")
    await _receive(db, clock, "SM2", from_=f"whatsapp:{ELLEN}", to=f"whatsapp:{WA_NUMBER}")
    sms, whatsapp = await _all(db, Interaction)
    assert (sms.channel, whatsapp.channel) == ("sms", "whatsapp")
    assert whatsapp.channel_number == WA_NUMBER and whatsapp.given_phone == ELLEN
    assert sms.case_id == whatsapp.case_id and whatsapp.joined_open_case


async def test_after_wrap_up_a_new_message_opens_a_new_interaction(db, clock):
    org = await _org(db)
    agent = await make_agent(db, "alice", [org])
    await _receive(db, clock, "SM1")
    [first] = await _all(db, Interaction)
    async with db.transaction() as session:
        await interactions.wrap_up(session, identity=agent, interaction_id=first.id, category="Order",
                                   subcategory="Return", notes="", follow_up=False, clock=clock)
    await _receive(db, clock, "SM2")
    first, second = await _all(db, Interaction)
    assert first.state == "closed" and second.state == "assigned" and second.case_id != first.case_id


async def test_a_number_no_organization_has_stores_nothing(db, clock):
    await _org(db)
    assert await _receive(db, clock, to="+15550000000") == inbound.UNKNOWN_NUMBER
    assert await _receive(db, clock, "SM2", from_=f"whatsapp:{ELLEN}", to=f"whatsapp:{SMS_NUMBER}") \
        == inbound.UNKNOWN_NUMBER
    assert await _all(db, Interaction) == [] and await _all(db, Message) == []


async def test_the_number_decides_the_organization(db, clock):
    await _org(db)
    janes = await make_org(db, "janes", "Jane's", sms_number="+15005550007")
    await _receive(db, clock, to="+15005550007")
    [interaction] = await _all(db, Interaction)
    assert interaction.organization_id == janes.id


async def test_routing_uses_the_sms_capacity(db, clock):
    org = await _org(db)
    agent = await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        capacity = await session.get(AgentCapacity, (agent.user_id, "sms"))
        capacity.capacity = 0
        session.add(capacity)
    await _receive(db, clock)
    [interaction] = await _all(db, Interaction)
    assert interaction.state == "queued"  # chat capacity is free, SMS capacity is not


async def test_a_sender_that_is_not_a_phone_number_is_kept_as_it_came(db, clock):
    await _org(db)
    assert await _receive(db, clock, from_="  SOPHIAS ") == inbound.STORED
    [interaction] = await _all(db, Interaction)
    assert interaction.given_phone == "SOPHIAS"


async def test_a_form_without_sid_or_numbers_is_not_a_message(db, clock):
    await _org(db)
    assert await inbound.receive(db, fields={"From": ELLEN, "To": SMS_NUMBER}, clock=clock) == inbound.NOT_A_MESSAGE
    assert await _all(db, Message) == []


async def test_the_bell_rings_for_an_sms_that_arrives_while_the_agent_is_away(db, clock):
    org = await _org(db)
    agent = await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        await interactions.mark_inbox_seen(session, identity=agent, clock=clock)
    clock.advance(seconds=5)
    await _receive(db, clock)
    async with db.read() as session:
        assert await interactions.bell_count(session, identity=agent) == 1


async def test_two_messages_from_one_number_at_once_open_one_interaction(db, clock):
    import asyncio

    await _org(db)
    outcomes = await asyncio.gather(*(_receive(db, clock, f"SM{n}", body=f"Message {n}.") for n in range(4)))
    assert outcomes == [inbound.STORED] * 4
    assert len(await _all(db, Interaction)) == 1 and len(await _all(db, Message)) == 4


async def test_a_retry_racing_the_original_is_stored_once(db, clock):
    import asyncio

    await _org(db)
    outcomes = await asyncio.gather(*(_receive(db, clock, "SMsame") for _ in range(3)))
    assert sorted(outcomes) == [inbound.DUPLICATE, inbound.DUPLICATE, inbound.STORED]
    assert len(await _all(db, Message)) == 1 and len(await _all(db, Interaction)) == 1


async def test_the_inbound_batch_routes_its_new_interactions_by_sms_capacity_without_waking_the_queue(db, clock):
    """The webhook answers before routing; the batch that stores the messages places them at once, sharing
    agents' capacity across the batch, and does not make the routing loop look at the whole queue again."""
    from services import events
    from services.channels import inbound_batch
    from services.models import RoutingDecision

    org = await _org(db)
    agent = await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        (await session.get(AgentCapacity, (agent.user_id, "sms"))).capacity = 1
    for n, sender in enumerate([ELLEN, "+14155550123"]):
        assert await inbound.stage(db, fields=inbound_fields(sid=f"SM{n}", from_=sender, to=SMS_NUMBER, body="Hi"),
                                   clock=clock) == inbound.STAGED
    await events.queue_moved(0)  # nothing pending from before
    await inbound_batch.process_pending(db, clock=clock)
    first, second = await _all(db, Interaction)
    assert (first.state, first.assignee_id, second.state) == ("assigned", agent.user_id, "queued")
    assert [d.outcome for d in await _all(db, RoutingDecision)] == ["assigned", "queued"]
    assert not await events.queue_moved(0.05)


async def _first_org(db):
    from services.models import Organization

    return (await _all(db, Organization))[0]
