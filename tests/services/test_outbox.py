"""Agent replies on SMS and email go through the outbox: sent for real, failed visibly, never lost."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import threading
from datetime import timedelta

import pytest

from services import events, interactions, outbox
from services.channels import delivery_status
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


def _latest(delay):
    """The longest a jittered wait may be."""
    return delay * (1 + outbox.JITTER)


async def _claimable_after(db, clock, twilio, seconds: float) -> bool:
    clock.advance(seconds=seconds)
    return await outbox.deliver_pending(db, _settings(twilio=twilio), clock=clock, jitter=_latest) == 1


async def test_a_refused_sms_waits_longer_after_each_attempt_then_shows_as_failed_never_as_sent(db, clock, twilio):
    twilio.fail_with = 400
    message = await _reply(db, clock, "sms", phone="+14155550100")
    assert await outbox.deliver_pending(db, _settings(twilio=twilio), clock=clock, jitter=_latest) == 1
    for delay in outbox.BACKOFF:  # about 10 s, 1 min, 5 min, 30 min
        stored, row = await _state(db, message.id)
        assert (stored.delivery_status, row.status) == ("queued", "pending") and "refused" in row.last_error
        assert row.next_attempt_at == clock() + _latest(delay)
        waited = delay.total_seconds()
        assert not await _claimable_after(db, clock, twilio, waited / 2)  # e.g. not at +5 s
        assert await _claimable_after(db, clock, twilio, waited * 1.3 - waited / 2)  # e.g. at +13 s
    stored, row = await _state(db, message.id)
    assert (stored.delivery_status, row.status, row.attempts) == ("failed", "failed", outbox.MAX_ATTEMPTS)
    assert "refused" in row.last_error and stored.failure_reason == f"Not delivered: {row.last_error}"
    assert not await _claimable_after(db, clock, twilio, 24 * 3600)  # failed is final until a manager retries
    assert twilio.messages == []


def test_jitter_spreads_a_wait_by_at_most_a_fifth_either_way():
    ten_seconds = outbox.BACKOFF[0]
    waits = {outbox.jittered(ten_seconds, rng=random.Random(seed)) for seed in range(50)}
    assert all(timedelta(seconds=8) <= wait <= timedelta(seconds=12) for wait in waits) and len(waits) > 1


async def test_a_row_waiting_out_its_backoff_is_not_claimed_until_it_is_due(db, clock, twilio):
    message = await _reply(db, clock, "sms", phone="+14155550100")
    _, row = await _state(db, message.id)
    async with db.transaction() as session:
        waiting = await session.get(OutboundMessage, row.id)
        waiting.next_attempt_at = clock() + timedelta(minutes=1)
        session.add(waiting)
    settings = _settings(twilio=twilio)
    assert await outbox.deliver_pending(db, settings, clock=clock) == 0 and twilio.messages == []
    clock.advance(minutes=1)
    assert await outbox.deliver_pending(db, settings, clock=clock) == 1 and len(twilio.messages) == 1


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
    async with db.read() as session:
        assert (await outbox.listing(session, identity=manager))[0].delivery == ""
    async with events.collecting() as seen:  # Twilio's callback, later
        async with db.transaction() as session:
            await delivery_status.record(session, sid=stored.provider_id, status="delivered", at=clock())
    assert events.outbox_topic(row.organization_id) in seen
    async with db.read() as session:
        [listed] = await outbox.listing(session, identity=manager)
    assert (listed.status, listed.delivery) == ("sent", "delivered")


async def test_send_again_makes_a_failed_row_due_at_once(db, clock, twilio):
    message = await _reply(db, clock, "sms", phone="+14155550100")
    _, row = await _state(db, message.id)
    async with db.transaction() as session:  # failed while a wait was still set
        failed = await session.get(OutboundMessage, row.id)
        failed.status, failed.attempts = "failed", outbox.MAX_ATTEMPTS
        failed.next_attempt_at = clock() + timedelta(hours=1)
        session.add(failed)
    manager = await _manager(db, message)
    async with db.transaction() as session:
        await outbox.retry(session, identity=manager, outbound_id=row.id, clock=clock)
    _, row = await _state(db, message.id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, None)
    assert await outbox.deliver_pending(db, _settings(twilio=twilio), clock=clock) == 1
    stored, row = await _state(db, message.id)
    assert (stored.delivery_status, row.status, len(twilio.messages)) == ("sent", "sent", 1)


async def _manager(db, message):
    from services.auth import identity_for_user

    async with db.read() as session:
        agent = await identity_for_user(session, user_id=message.author_user_id)
    return dataclasses.replace(agent, grants=agent.grants | {outbox.GRANT})


class _HeldAnswer:
    """Holds the stand-in's first request unanswered until the test lets it go, as a slow provider would."""

    def __init__(self, twilio):
        self.arrived, self.answer = threading.Event(), threading.Event()
        twilio.while_answering = self._hold_first

    def _hold_first(self, form: dict) -> None:
        if not self.arrived.is_set():
            self.arrived.set()
            self.answer.wait(timeout=10)  # bounded, so a broken test fails instead of hanging

    async def wait_for_request(self) -> None:
        assert await asyncio.to_thread(self.arrived.wait, 10), "the provider was never called"


@pytest.mark.parametrize("late_answer", ["sent", "refused"])
async def test_a_provider_answering_after_the_lease_changes_nothing_the_new_claim_settled(db, clock, twilio, caplog,
                                                                                         late_answer):
    message = await _reply(db, clock, "sms", phone="+14155550100")
    settings, held = _settings(twilio=twilio), _HeldAnswer(twilio)
    first_worker = asyncio.create_task(outbox.deliver_pending(db, settings, clock=clock))
    await held.wait_for_request()
    clock.advance(seconds=outbox.CLAIM_LEASE.total_seconds() + 1)  # the first call outlives its lease
    assert await outbox.deliver_pending(db, settings, clock=clock) == 1  # a second worker takes it over
    _, settled = await _state(db, message.id)
    assert settled.status == "sent"
    if late_answer == "refused":
        twilio.fail_with = 400
    with caplog.at_level(logging.WARNING, logger="services.outbox"):
        held.answer.set()
        assert await first_worker == 1
    stored, row = await _state(db, message.id)
    assert (row.status, row.attempts, row.provider_id, row.sent_at, row.last_error) == (
        "sent", 2, settled.provider_id, settled.sent_at, "")  # as the current claim holder left it
    assert stored.delivery_status == "sent" and stored.failure_reason == ""
    assert "taken over" in caplog.text
    # Twilio takes no idempotency key: the customer may get the SMS twice, the row records it once.
    assert len(twilio.messages) == (2 if late_answer == "sent" else 1)


async def test_a_pass_claims_its_whole_batch_before_talking_to_the_provider(db, clock, twilio):
    org = await make_org(db)
    async with db.transaction() as session:
        rows = [await outbox.enqueue(session, organization_id=org.id, channel="sms", recipient=f"+1415555010{n}",
                                     body="Your parcel ships today.", clock=clock) for n in range(3)]
    held = _HeldAnswer(twilio)
    worker = asyncio.create_task(outbox.deliver_pending(db, _settings(twilio=twilio), clock=clock))
    await held.wait_for_request()
    while_one_is_in_flight = await _statuses(db, rows)
    held.answer.set()
    assert await worker == 3
    assert "pending" not in while_one_is_in_flight  # all claimed in one transaction, none left waiting
    assert await _statuses(db, rows) == ["sent"] * 3


async def _statuses(db, rows) -> list[str]:
    async with db.read() as session:
        return [(await session.get(OutboundMessage, row.id)).status for row in rows]


async def test_a_claim_too_old_to_finish_within_its_lease_is_given_back_unsent(db, clock, twilio):
    message = await _reply(db, clock, "sms", phone="+14155550100")
    readings = [clock(), clock() + outbox.CLAIM_LEASE - outbox.SEND_TIMEOUT]  # claimed, then it waited its turn

    def waited_its_turn():
        return readings.pop(0) if len(readings) > 1 else readings[0]

    assert await outbox.deliver_pending(db, _settings(twilio=twilio), clock=waited_its_turn) == 1
    _, row = await _state(db, message.id)
    assert (row.status, row.attempts, row.claimed_at, twilio.messages) == ("pending", 0, None, [])
    assert await outbox.deliver_pending(db, _settings(twilio=twilio), clock=clock) == 1
    assert len(twilio.messages) == 1


async def test_an_email_names_its_outbound_row_in_a_message_id_that_a_resend_repeats(db, clock):
    smtp = SmtpServer().start()
    try:
        message = await _reply(db, clock, "email", email="pat@example.com")
        settings = _settings(smtp=smtp)
        smtp.answer_data_with("451 4.3.0 Try again later")  # it kept the mail, but we hear a failure
        await outbox.deliver_pending(db, settings, clock=clock, jitter=_latest)
        first = smtp.wait_for("pat@example.com")
        smtp.answer_data_with("250 OK")
        clock.advance(seconds=13)  # after the first backoff
        await outbox.deliver_pending(db, settings, clock=clock, jitter=_latest)
        again = smtp.wait_for("pat@example.com", after=1)
    finally:
        smtp.stop()
    _, row = await _state(db, message.id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert first["Message-ID"] == again["Message-ID"] == outbox.email_message_id(settings, row)
    assert first["Message-ID"].startswith(f"<outbound.{row.id}.") and first["Message-ID"].endswith("@example.com>")


async def _replies_to_one_phone(db, clock, *bodies: str, org=None) -> list[OutboundMessage]:
    org = org or await make_org(db)
    async with db.transaction() as session:
        return [await outbox.enqueue(session, organization_id=org.id, channel="sms", recipient="+14155550100",
                                     body=body, clock=clock) for body in bodies]


async def test_a_recipients_next_reply_waits_while_the_one_before_it_is_in_flight(db, clock, twilio):
    """Another worker (or the next pass) would otherwise send the newer reply beside the older one, and the
    phone could show them the wrong way round."""
    settings, held = _settings(twilio=twilio), _HeldAnswer(twilio)
    org = await make_org(db)
    await _replies_to_one_phone(db, clock, "First: your parcel ships today.", org=org)
    sending_first = asyncio.create_task(outbox.deliver_pending(db, settings, clock=clock))
    await held.wait_for_request()
    later = await _replies_to_one_phone(db, clock, "Second: it arrives on Friday.", "Third: thank you.", org=org)
    janes = await make_org(db, "janes", "Jane's")
    async with db.transaction() as session:  # another organization's number: another conversation on the phone
        other = await outbox.enqueue(session, organization_id=janes.id, channel="sms", recipient="+14155550100", body="Jane's: your order is ready.",
                                     clock=clock, sender="+15005550007")
    # Only the other number's goes now; the rows that wait do not take its place in a batch (of one, here).
    assert await outbox.deliver_pending(db, settings, clock=clock, limit=1) == 1
    assert await _statuses(db, [*later, other]) == ["pending", "pending", "sent"]
    held.answer.set()
    assert await sending_first == 1
    assert await outbox.deliver_pending(db, settings, clock=clock) == 2
    assert [m["Body"] for m in twilio.messages] == ["Jane's: your order is ready.", "First: your parcel ships today.",
                                                   "Second: it arrives on Friday.", "Third: thank you."]


async def test_a_reply_waits_for_an_older_one_another_workers_claim_still_holds(db, clock, twilio):
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: no two claims overlap there")
    from sqlalchemy import text

    older, newer = await _replies_to_one_phone(db, clock, "Older", "Newer")
    settings = _settings(twilio=twilio)
    async with db.transaction() as other_worker:  # its claim has locked the older row and not committed yet
        await other_worker.exec(text("SELECT id FROM outboundmessage WHERE id = :id FOR UPDATE").bindparams(
            id=older.id))
        assert await outbox.deliver_pending(db, settings, clock=clock) == 0  # the newer one does not overtake it
    assert await outbox.deliver_pending(db, settings, clock=clock) == 2
    assert [m["Body"] for m in twilio.messages] == ["Older", "Newer"]


async def test_a_reply_waiting_out_its_backoff_holds_up_no_later_one(db, clock, twilio):
    older, newer = await _replies_to_one_phone(db, clock, "Older", "Newer")
    async with db.transaction() as session:
        row = await session.get(OutboundMessage, older.id)
        row.attempts, row.next_attempt_at = 1, clock() + timedelta(minutes=5)  # refused once, retried later
        session.add(row)
    assert await outbox.deliver_pending(db, _settings(twilio=twilio), clock=clock) == 1
    assert [m["Body"] for m in twilio.messages] == ["Newer"]
