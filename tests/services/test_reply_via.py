"""Reply via: the channels a customer can be reached on now, and a reply sent by another channel than the
interaction's own."""

from __future__ import annotations

import pytest
from sqlmodel import select

from services import chat, conversation, interactions, outbox
from services.attachments.links import agent_link
from services.channels import inbound, reply_via
from services.errors import Refused
from services.models import Interaction, Message, OutboundMessage
from tests.fakes.twilio_api import TwilioStandIn, inbound_fields
from tests.services.factories import make_agent, make_org
from tests.services.test_sms_outbound import settings_for

SMS_NUMBER, WA_NUMBER, ELLEN = "+15005550006", "+14155238886", "+14155550100"


async def _chat(db, clock, *, phone="+1 415 555 0100", email="", sms_number=SMS_NUMBER,
                whatsapp_number=WA_NUMBER):
    org = await make_org(db, sms_number=sms_number, whatsapp_number=whatsapp_number)
    agent = await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, first_name="Ellen",
                                        last_name="Smith", phone=phone, email=email)
        interaction = await session.get(Interaction, started.interaction_id)
    return org, agent, interaction


async def _options(db, interaction, clock):
    async with db.read() as session:
        fresh = await session.get(Interaction, interaction.id)
        return await reply_via.options(session, interaction=fresh, now=clock())


async def test_a_chat_with_a_phone_can_be_answered_by_sms(db, clock):
    _, _, interaction = await _chat(db, clock)
    assert await _options(db, interaction, clock) == ["chat", "sms"]


async def test_without_a_phone_chat_and_the_email_given(db, clock):
    _, _, interaction = await _chat(db, clock, phone="", email="ellen.smith@example.com")
    assert await _options(db, interaction, clock) == ["chat", "email"]


async def test_whatsapp_is_offered_only_within_24_hours_of_that_phones_last_whatsapp_message(db, clock):
    _, _, interaction = await _chat(db, clock)
    await inbound.receive(db, fields=inbound_fields(sid="SMwa", from_=f"whatsapp:{ELLEN}", to=f"whatsapp:{WA_NUMBER}",
                                                    body="Hi"), clock=clock)
    assert await _options(db, interaction, clock) == ["chat", "sms", "whatsapp"]
    clock.advance(hours=24)
    assert await _options(db, interaction, clock) == ["chat", "sms"]


async def test_an_ended_chat_is_no_longer_an_option(db, clock):
    _, _, interaction = await _chat(db, clock)
    async with db.transaction() as session:
        await chat.end_chat(session, interaction=interaction, clock=clock)
    assert await _options(db, interaction, clock) == ["sms"]


async def test_a_reply_via_sms_goes_from_the_organizations_number_and_stays_out_of_the_chat(db, clock):
    twilio = TwilioStandIn().start()
    try:
        _, agent, interaction = await _chat(db, clock)
        async with db.transaction() as session:
            sent = await interactions.send_agent_message(session, identity=agent, interaction_id=interaction.id,
                                                         body="I texted you the tracking link.", clock=clock,
                                                         via="sms")
        assert (sent.via, sent.delivery_status) == ("sms", "queued")
        await outbox.deliver_pending(db, settings_for(twilio), clock=clock)
        [posted] = twilio.messages
        assert (posted["From"], posted["To"], posted["Body"]) == (SMS_NUMBER, ELLEN, "I texted you the tracking link.")
    finally:
        twilio.stop()
    async with db.read() as session:
        fresh = await session.get(Interaction, interaction.id)
        in_chat = await conversation.chat_transcript(session, interaction=fresh, linker=agent_link)
        for_agent = await conversation.transcript(session, interaction=fresh)
    assert "I texted you the tracking link." not in [i.body for i in in_chat]
    assert [i.via for i in for_agent if i.author == "agent"] == ["sms"]


@pytest.mark.parametrize("via", ["whatsapp", "email", "pigeon", 7])
async def test_a_channel_that_cannot_reach_the_customer_now_is_refused(db, clock, via):
    _, agent, interaction = await _chat(db, clock)
    with pytest.raises(Refused):
        async with db.transaction() as session:
            await interactions.send_agent_message(session, identity=agent, interaction_id=interaction.id,
                                                  body="Hello", clock=clock, via=via)
    async with db.read() as session:
        assert (await session.exec(select(OutboundMessage))).first() is None
        assert (await session.exec(select(Message).where(Message.author == "agent"))).first() is None
