"""Agent replies on SMS and email go through the outbox: sent for real, failed visibly, never lost."""

from __future__ import annotations

import dataclasses

import pytest

from services import interactions, outbox
from services.config import load_settings
from services.errors import NotFound, Refused
from services.models import Message, OutboundMessage
from tests.fakes.smtp import SmtpServer
from tests.fakes.twilio_api import TwilioStandIn
from tests.services.factories import make_agent, make_org


@pytest.fixture
def twilio():
    stand_in = TwilioStandIn().start()
    yield stand_in
    stand_in.stop()


def _settings(twilio=None, smtp=None):
    env = {"INBOX_SECRET_KEY": "k", "SMTP_FROM": "care@example.com"}
    if twilio:
        env.update(TWILIO_ACCOUNT_SID=twilio.account_sid, TWILIO_AUTH_TOKEN=twilio.auth_token,
                   TWILIO_SMS_FROM="+15005550006", TWILIO_API_BASE=twilio.base_url)
    if smtp:
        env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port))
    return load_settings(env)


async def _reply(db, clock, channel: str, **contact):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        interaction = await interactions.open_interaction(session, organization_id=org.id, channel=channel,
                                                          clock=clock, first_name="Pat", last_name="Lee", **contact)
    async with db.transaction() as session:
        message = await interactions.send_agent_message(session, identity=agent, interaction_id=interaction.id,
                                                        body="Your parcel ships today.", clock=clock)
    assert message.delivery_status == "queued"  # not sent until the provider says so
    return message


async def _state(db, message_id):
    async with db.read() as session:
        message = await session.get(Message, message_id)
        from sqlmodel import select

        row = (await session.exec(select(OutboundMessage).where(OutboundMessage.message_id == message_id))).one()
    return message, row


async def test_an_sms_reply_is_sent_through_twilio_and_marked_sent(db, clock, twilio):
    message = await _reply(db, clock, "sms", phone="+14155550100")
    assert await outbox.deliver_pending(db, _settings(twilio=twilio), clock=clock) == 1
    stored, row = await _state(db, message.id)
    [sent] = twilio.messages
    assert (sent["To"], sent["Body"]) == ("+14155550100", "Your parcel ships today.")
    assert stored.delivery_status == "sent" and row.provider_id == sent["sid"]


async def test_an_email_reply_reaches_the_smtp_server(db, clock):
    smtp = SmtpServer().start()
    try:
        message = await _reply(db, clock, "email", email="pat@example.com")
        await outbox.deliver_pending(db, _settings(smtp=smtp), clock=clock)
        assert "Your parcel ships today." in smtp.wait_for("pat@example.com").get_payload()
    finally:
        smtp.stop()
    stored, _ = await _state(db, message.id)
    assert stored.delivery_status == "sent"


async def test_a_refused_sms_is_retried_then_shown_as_failed_never_as_sent(db, clock, twilio):
    twilio.fail_with = 400
    message = await _reply(db, clock, "sms", phone="+14155550100")
    for _ in range(outbox.MAX_ATTEMPTS):
        stored, row = await _state(db, message.id)
        assert stored.delivery_status == "queued"
        await outbox.deliver_pending(db, _settings(twilio=twilio), clock=clock)
    stored, row = await _state(db, message.id)
    assert (stored.delivery_status, row.status, row.attempts) == ("failed", "failed", outbox.MAX_ATTEMPTS)
    assert stored.failure_reason.startswith("Not delivered")


async def test_without_a_provider_the_reply_is_held_and_stays_queued(db, clock):
    message = await _reply(db, clock, "sms", phone="+14155550100")
    await outbox.deliver_pending(db, _settings(), clock=clock)
    stored, row = await _state(db, message.id)
    assert (stored.delivery_status, row.status) == ("queued", "held")


async def test_a_claim_left_by_a_dead_worker_is_taken_over_after_its_lease(db, clock, twilio):
    message = await _reply(db, clock, "sms", phone="+14155550100")
    _, row = await _state(db, message.id)
    async with db.transaction() as session:
        claimed = await session.get(OutboundMessage, row.id)
        claimed.status, claimed.claimed_at = "sending", clock()  # a worker claimed it, then died
        session.add(claimed)
    settings = _settings(twilio=twilio)
    assert await outbox.deliver_pending(db, settings, clock=clock) == 0  # still within its lease
    clock.advance(seconds=outbox.CLAIM_LEASE.total_seconds() + 1)
    assert await outbox.deliver_pending(db, settings, clock=clock) == 1
    stored, _ = await _state(db, message.id)
    assert stored.delivery_status == "sent" and len(twilio.messages) == 1


def test_provider_configuration_is_per_channel():
    assert not outbox.provider_configured(_settings(), "email")
    whatsapp_only = dataclasses.replace(_settings(), twilio_account_sid="AC", twilio_auth_token="t",
                                        twilio_whatsapp_from="+15005550006")
    assert outbox.provider_configured(whatsapp_only, "whatsapp") and not outbox.provider_configured(whatsapp_only, "sms")


async def test_managers_see_their_organizations_outbox_and_send_a_held_message_again(db, clock, twilio):
    message = await _reply(db, clock, "sms", phone="+14155550100")
    await outbox.deliver_pending(db, _settings(), clock=clock)  # no provider yet: held
    _, row = await _state(db, message.id)
    from services.auth import identity_for_user

    async with db.read() as session:
        agent = await identity_for_user(session, user_id=message.author_user_id)
    manager = dataclasses.replace(agent, grants=agent.grants | {outbox.GRANT})
    async with db.read() as session:
        assert await outbox.listing(session, identity=agent) == []  # agents do not see it
        [listed] = await outbox.listing(session, identity=manager)
    assert (listed.status, listed.recipient, listed.preview) == ("held", "+14155550100", "Your parcel ships today.")
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await outbox.retry(session, identity=agent, outbound_id=row.id, clock=clock)
    async with db.transaction() as session:
        await outbox.retry(session, identity=manager, outbound_id=row.id, clock=clock)
    with pytest.raises(Refused, match="held or failed"):
        async with db.transaction() as session:
            await outbox.retry(session, identity=manager, outbound_id=row.id, clock=clock)
    await outbox.deliver_pending(db, _settings(twilio=twilio), clock=clock)  # a provider is configured now
    stored, row = await _state(db, message.id)
    assert (stored.delivery_status, row.status, len(twilio.messages)) == ("sent", "sent", 1)
