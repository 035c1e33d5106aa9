"""Agent replies on SMS and WhatsApp: through the outbox and the twilio library (against the stand-in), as plain
text, from the number the customer wrote to, with a status callback; the callbacks move the status forward only."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from services import events, interactions, outbox
from services.channels import delivery_status, inbound
from services.config import load_settings
from services.models import EarlyDeliveryStatus, Interaction, Message
from tests.conftest import START
from tests.fakes.twilio_api import TwilioStandIn, inbound_fields
from tests.services.factories import make_agent, make_org

SMS_NUMBER, WA_NUMBER, ELLEN = "+15005550006", "+14155238886", "+14155550100"
BASE = "https://inbox.example.com"


@pytest.fixture
def twilio():
    stand_in = TwilioStandIn().start()
    yield stand_in
    stand_in.stop()


def settings_for(twilio):
    # TWILIO_SMS_FROM differs from the organization's number: the reply must use the organization's.
    return load_settings({"INBOX_SECRET_KEY": "k", "TWILIO_ACCOUNT_SID": twilio.account_sid,
                          "TWILIO_AUTH_TOKEN": twilio.auth_token, "TWILIO_SMS_FROM": "+15005550999",
                          "TWILIO_API_BASE": twilio.base_url, "PUBLIC_BASE_URL": BASE})


async def conversation(db, clock, *, channel="sms"):
    org = await make_org(db, sms_number=SMS_NUMBER, whatsapp_number=WA_NUMBER)
    agent = await make_agent(db, "alice", [org])
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    to = WA_NUMBER if channel == "whatsapp" else SMS_NUMBER
    await inbound.receive(db, fields=inbound_fields(sid="SMin", from_=prefix + ELLEN, to=prefix + to,
                                                    body="Hi there."), clock=clock)
    async with db.read() as session:
        interaction = (await session.exec(select(Interaction))).one()
    return org, agent, interaction


async def reply(db, clock, agent, interaction, body="Your parcel ships today.", *, from_editor=False):
    async with db.transaction() as session:
        return await interactions.send_agent_message(session, identity=agent, interaction_id=interaction.id,
                                                     body=body, clock=clock, from_editor=from_editor)


async def message(db, message_id) -> Message:
    async with db.read() as session:
        return await session.get(Message, message_id)


async def test_an_sms_reply_goes_from_the_number_written_to_with_a_status_callback(db, clock, twilio):
    _, agent, interaction = await conversation(db, clock)
    sent = await reply(db, clock, agent, interaction)
    assert await outbox.deliver_pending(db, settings_for(twilio), clock=clock) == 1
    [posted] = twilio.messages
    assert (posted["From"], posted["To"], posted["Body"]) == (SMS_NUMBER, ELLEN, "Your parcel ships today.")
    assert posted["StatusCallback"] == f"{BASE}/webhooks/twilio/status"
    stored = await message(db, sent.id)
    assert (stored.delivery_status, stored.provider_id) == ("sent", posted["sid"])


async def test_a_whatsapp_reply_uses_whatsapp_addresses(db, clock, twilio):
    _, agent, interaction = await conversation(db, clock, channel="whatsapp")
    await reply(db, clock, agent, interaction)
    await outbox.deliver_pending(db, settings_for(twilio), clock=clock)
    [posted] = twilio.messages
    assert (posted["From"], posted["To"]) == (f"whatsapp:{WA_NUMBER}", f"whatsapp:{ELLEN}")


async def test_formatting_is_sent_as_plain_text_and_typed_tags_as_typed(db, clock, twilio):
    _, agent, interaction = await conversation(db, clock)
    await reply(db, clock, agent, interaction, from_editor=True,  # formatted HTML, e.g. a formatted template
                body="<p><b>Good news</b>:</p><ul><li>Boots</li><li>Scarf</li></ul><a href=\"https://s.example/t\">Track</a>")
    await reply(db, clock, agent, interaction, body="Reply <b>YES</b> to confirm")  # typed in the plain box
    await outbox.deliver_pending(db, settings_for(twilio), clock=clock)
    assert [m["Body"] for m in twilio.messages] == ["Good news:\n• Boots\n• Scarf\nTrack (https://s.example/t)",
                                                   "Reply <b>YES</b> to confirm"]


async def test_one_customers_replies_reach_the_provider_in_the_order_they_were_written(db, clock, twilio):
    _, agent, interaction = await conversation(db, clock)
    written = [f"Reply {n}" for n in range(8)]
    for body in written:
        await reply(db, clock, agent, interaction, body=body)
    await outbox.deliver_pending(db, settings_for(twilio), clock=clock)
    assert [m["Body"] for m in twilio.messages] == written


async def _sent_and_posted(db, clock, twilio):
    _, agent, interaction = await conversation(db, clock)
    sent = await reply(db, clock, agent, interaction)
    await outbox.deliver_pending(db, settings_for(twilio), clock=clock)
    return sent, twilio.messages[0]["sid"], interaction


async def _callback(db, sid, status, error_code="", at=None):
    async with db.transaction() as session:
        return await delivery_status.record(session, sid=sid, status=status, error_code=error_code,
                                            at=at or START)


async def test_callbacks_that_arrive_before_the_send_is_recorded_are_applied_when_it_is(db, clock, twilio):
    """Twilio can call back before the transaction that records messages.create's answer has committed."""
    _, agent, interaction = await conversation(db, clock)
    sent = await reply(db, clock, agent, interaction)
    twilio.next_sid = "SMearly"
    assert not await _callback(db, "SMearly", "delivered", at=clock())
    assert not await _callback(db, "SMearly", "delivered", at=clock())  # Twilio's retry: kept once
    assert not await _callback(db, "SMearly", "sent", at=clock())
    await outbox.deliver_pending(db, settings_for(twilio), clock=clock)
    stored = await message(db, sent.id)
    assert (stored.provider_id, stored.delivery_status) == ("SMearly", "delivered")
    async with db.read() as session:
        assert (await session.exec(select(EarlyDeliveryStatus))).all() == []


async def test_status_callbacks_move_forward_and_tell_the_agent(db, clock, twilio):
    sent, sid, interaction = await _sent_and_posted(db, clock, twilio)
    async with events.collecting() as seen:
        assert await _callback(db, sid, "delivered")
    assert (await message(db, sent.id)).delivery_status == "delivered"
    assert events.interaction_topic(interaction.id) in seen and events.agent_topic(interaction.assignee_id) in seen
    assert await _callback(db, sid, "read")
    assert (await message(db, sent.id)).delivery_status == "read"


async def test_out_of_order_callbacks_never_move_a_status_back(db, clock, twilio):
    sent, sid, _ = await _sent_and_posted(db, clock, twilio)
    assert await _callback(db, sid, "delivered")
    for late in ("sent", "queued", "sending", "delivered"):
        assert not await _callback(db, sid, late)
    assert (await message(db, sent.id)).delivery_status == "delivered"


async def test_undelivered_is_final_and_names_twilios_error_code(db, clock, twilio):
    sent, sid, _ = await _sent_and_posted(db, clock, twilio)
    assert await _callback(db, sid, "undelivered", "30003")
    assert not await _callback(db, sid, "delivered")
    stored = await message(db, sent.id)
    assert (stored.delivery_status, stored.failure_reason) == ("undelivered", "Not delivered (Twilio error 30003)")


async def test_failed_names_its_error_code(db, clock, twilio):
    sent, sid, _ = await _sent_and_posted(db, clock, twilio)
    assert await _callback(db, sid, "failed", "30008")
    assert (await message(db, sent.id)).failure_reason == "Failed (Twilio error 30008)"


async def test_a_callback_for_an_unknown_sid_or_status_or_a_customer_message_changes_nothing(db, clock, twilio):
    sent, sid, _ = await _sent_and_posted(db, clock, twilio)
    assert not await _callback(db, "SMunknown", "delivered")
    assert not await _callback(db, sid, "exploded")
    assert not await _callback(db, "SMin", "delivered")  # the customer's own message is not ours to move
    async with db.read() as session:
        statuses = [m.delivery_status for m in (await session.exec(select(Message).order_by(Message.id))).all()]
    assert statuses == ["received", "sent"]


def test_statuses_only_move_forward():
    assert delivery_status.moves_forward("queued", "sent") and delivery_status.moves_forward("sent", "read")
    assert not delivery_status.moves_forward("read", "delivered")
    assert not delivery_status.moves_forward("read", "undelivered")  # read proves it was delivered
    assert not delivery_status.moves_forward("failed", "delivered")
    assert delivery_status.moves_forward("sent", "failed")


async def test_a_template_is_sent_by_its_content_sid_and_variables(db, clock, twilio):
    from services.channels import whatsapp_templates
    from services.models import WhatsAppTemplate

    org, agent, interaction = await conversation(db, clock, channel="whatsapp")
    async with db.transaction() as session:
        template = WhatsAppTemplate(organization_id=org.id, name="Order update", content_sid="HX123",
                                    body="Hello {{1}}, your order {{2}} has shipped.")
        session.add(template)
    async with db.transaction() as session:
        sent = await whatsapp_templates.send_template(session, identity=agent, interaction_id=interaction.id,
                                                      template_id=template.id, values=["Ellen", "SO-1042"],
                                                      clock=clock)
    assert sent.body == "Hello Ellen, your order SO-1042 has shipped."
    await outbox.deliver_pending(db, settings_for(twilio), clock=clock)
    [posted] = twilio.messages
    assert posted["ContentSid"] == "HX123" and "Body" not in posted
    assert json.loads(posted["ContentVariables"]) == {"1": "Ellen", "2": "SO-1042"}
    assert posted["StatusCallback"] == f"{BASE}/webhooks/twilio/status"
