"""WhatsApp's 24-hour window (on the injected clock) and approved templates."""

from __future__ import annotations

import pytest
from sqlmodel import select

from services.channels import whatsapp, whatsapp_templates
from services.errors import NotFound, Refused
from services.models import Message, OutboundMessage, WhatsAppTemplate
from tests.services.factories import make_org
from tests.services.test_sms_outbound import conversation, reply


async def _counts(db):
    async with db.read() as session:
        return (len((await session.exec(select(Message))).all()),
                len((await session.exec(select(OutboundMessage))).all()))


async def test_free_text_is_allowed_until_24_hours_after_the_customers_last_message(db, clock):
    _, agent, interaction = await conversation(db, clock, channel="whatsapp")
    clock.advance(hours=23, minutes=59, seconds=59)
    await reply(db, clock, agent, interaction, body="Still within the window.")
    clock.advance(seconds=1)
    with pytest.raises(Refused, match="24 hours"):
        await reply(db, clock, agent, interaction, body="Too late.")
    assert await _counts(db) == (2, 1)  # the refused reply stored nothing and queued nothing


async def test_a_new_customer_message_opens_the_window_again(db, clock):
    from services.channels import inbound
    from tests.fakes.twilio_api import inbound_fields

    _, agent, interaction = await conversation(db, clock, channel="whatsapp")
    clock.advance(hours=30)
    with pytest.raises(Refused):
        await reply(db, clock, agent, interaction)
    await inbound.receive(db, fields=inbound_fields(sid="SMagain", from_="whatsapp:+14155550100",
                                                    to="whatsapp:+14155238886", body="Hello again"), clock=clock)
    await reply(db, clock, agent, interaction, body="Welcome back.")


async def test_the_agents_own_messages_do_not_keep_the_window_open(db, clock):
    _, agent, interaction = await conversation(db, clock, channel="whatsapp")
    clock.advance(hours=20)
    await reply(db, clock, agent, interaction)
    clock.advance(hours=5)
    with pytest.raises(Refused):
        await reply(db, clock, agent, interaction)


async def test_sms_has_no_window(db, clock):
    _, agent, interaction = await conversation(db, clock, channel="sms")
    clock.advance(days=3)
    await reply(db, clock, agent, interaction)


def test_window_open():
    from datetime import datetime, timedelta, timezone

    last = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert whatsapp.window_open(last, last + timedelta(hours=23))
    assert not whatsapp.window_open(last, last + timedelta(hours=24))
    assert not whatsapp.window_open(None, last)


async def _template(db, org, body="Hello {{1}}, your order {{2}} has shipped."):
    async with db.transaction() as session:
        template = WhatsAppTemplate(organization_id=org.id, name="Order update", content_sid="HX123", body=body)
        session.add(template)
    return template


async def test_a_template_can_be_sent_outside_the_window(db, clock):
    org, agent, interaction = await conversation(db, clock, channel="whatsapp")
    template = await _template(db, org)
    clock.advance(days=2)
    async with db.transaction() as session:
        sent = await whatsapp_templates.send_template(session, identity=agent, interaction_id=interaction.id,
                                                      template_id=template.id, values=["Ellen", "SO-1042"],
                                                      clock=clock)
    assert sent.delivery_status == "queued"
    async with db.read() as session:
        row = (await session.exec(select(OutboundMessage))).one()
    assert (row.content_sid, row.body) == ("HX123", "Hello Ellen, your order SO-1042 has shipped.")


@pytest.mark.parametrize("values", [["Ellen"], ["Ellen", "  "], ["Ellen", "SO-1", "extra"], "Ellen,SO-1"])
async def test_every_value_must_be_filled_in(db, clock, values):
    org, agent, interaction = await conversation(db, clock, channel="whatsapp")
    template = await _template(db, org)
    with pytest.raises(Refused, match="Fill in every value"):
        async with db.transaction() as session:
            await whatsapp_templates.send_template(session, identity=agent, interaction_id=interaction.id,
                                                   template_id=template.id, values=values, clock=clock)
    assert await _counts(db) == (1, 0)


async def test_another_organizations_template_or_an_sms_interaction_is_refused(db, clock):
    _, agent, interaction = await conversation(db, clock, channel="whatsapp")
    janes = await make_org(db, "janes", "Jane's")
    foreign = await _template(db, janes)
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await whatsapp_templates.send_template(session, identity=agent, interaction_id=interaction.id,
                                                   template_id=foreign.id, values=["a", "b"], clock=clock)


async def test_templates_are_for_whatsapp_only(db, clock):
    org, agent, interaction = await conversation(db, clock, channel="sms")
    template = await _template(db, org)
    with pytest.raises(Refused, match="WhatsApp"):
        async with db.transaction() as session:
            await whatsapp_templates.send_template(session, identity=agent, interaction_id=interaction.id,
                                                   template_id=template.id, values=["a", "b"], clock=clock)


async def test_the_organizations_templates_are_listed_with_their_placeholders(db, clock):
    org = await make_org(db)
    await _template(db, org, body="Hi {{1}}! {{2}} and {{1}} again, then {{10}}.")
    async with db.read() as session:
        [choice] = await whatsapp.templates(session, organization_id=org.id)
    assert choice.placeholders == ["1", "2", "10"]
