"""Verifying a customer by one-time passcode: lookup, sending, and every rule of the code itself."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select

from services import conversation, verification
from services.attachments.links import agent_link
from services.config import load_settings
from services.errors import NotFound, Refused
from services.models import AuditEvent, Case, Interaction, Organization, OtpChallenge
from tests.services.factories import make_agent, make_customer, make_org, new_chat

SETTINGS = load_settings({"INBOX_SECRET_KEY": "test-key", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "2525",
                          "TWILIO_ACCOUNT_SID": "ACtest", "TWILIO_AUTH_TOKEN": "token",
                          "TWILIO_SMS_FROM": "+15005550006"})


@pytest.fixture
async def setup(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    customer = await make_customer(db, org)
    chat = await new_chat(db, org, clock, first="Ellen", last="Smith", email="ellen.smith@example.com")
    return dataclasses.make_dataclass("Setup", ["org", "agent", "customer", "chat"])(org, agent, customer, chat)


async def _lookup(db, s, **typed):
    async with db.read() as session:
        return await verification.lookup(session, identity=s.agent, interaction_id=s.chat.id, **typed)


async def _send(db, s, clock, channel="email", interaction_id=None, customer_id=None, settings=SETTINGS):
    async with db.transaction() as session:
        return await verification.send_code(
            session, identity=s.agent, interaction_id=interaction_id or s.chat.id,
            customer_id=customer_id or s.customer.id, channel=channel, settings=settings, clock=clock)


async def _check(db, s, code, clock, interaction_id=None):
    async with db.transaction() as session:
        return await verification.check_code(session, identity=s.agent, interaction_id=interaction_id or s.chat.id,
                                             code=code, settings=SETTINGS, clock=clock)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** 6:06d}"


async def _audits(db, kind):
    async with db.read() as session:
        return (await session.exec(select(AuditEvent).where(AuditEvent.kind == kind))).all()


# --- lookup ---------------------------------------------------------------------------------------

async def test_lookup_matches_name_and_given_email_and_takes_the_first_of_several(db, clock, setup):
    await make_customer(db, setup.org, phone=None, external_id="ellen-duplicate")
    found = await _lookup(db, setup)
    assert (found.customer_id, found.name, found.email) == (setup.customer.id, "Ellen Smith",
                                                            "ellen.smith@example.com")


async def test_lookup_needs_the_name_too_and_reveals_nothing_when_not_found(db, clock, setup):
    other = await new_chat(db, setup.org, clock, first="Helen", last="Smith", email="ellen.smith@example.com")
    async with db.read() as session:
        assert await verification.lookup(session, identity=setup.agent, interaction_id=other.id) is None


async def test_a_stored_phone_without_country_code_never_matches(db, clock, setup):
    org = setup.org
    await make_customer(db, org, first="Marcus", last="Lee", email=None, phone="4155550123", external_id="m")
    async with db.transaction() as session:
        from services import interactions

        sms = await interactions.open_interaction(session, organization_id=org.id, channel="sms", clock=clock,
                                                  first_name="Marcus", last_name="Lee", phone="+14155550123")
    async with db.read() as session:
        assert await verification.lookup(session, identity=setup.agent, interaction_id=sms.id) is None
        assert await verification.lookup(session, identity=setup.agent, interaction_id=sms.id,
                                         phone="+1 415 555 0123") is None
        with pytest.raises(Refused, match="country code"):
            await verification.lookup(session, identity=setup.agent, interaction_id=sms.id, phone="4155550123")


async def test_the_agent_can_find_the_record_by_the_email_or_phone_the_customer_names(db, clock, setup):
    stranger = await new_chat(db, setup.org, clock, first="E", last="S", email="typo@example.com")
    async with db.read() as session:
        assert await verification.lookup(session, identity=setup.agent, interaction_id=stranger.id) is None
        by_phone = await verification.lookup(session, identity=setup.agent, interaction_id=stranger.id,
                                             phone="+1 (415) 555-0100")
        by_email = await verification.lookup(session, identity=setup.agent, interaction_id=stranger.id,
                                             email="Ellen.Smith@example.com")
    assert by_phone.customer_id == by_email.customer_id == setup.customer.id


async def test_another_organizations_customer_is_never_found_or_sent_to(db, clock, setup):
    janes = await make_org(db, "janes", "Jane's")
    foreign = await make_customer(db, janes, external_id="janes-ellen")
    with pytest.raises(NotFound):
        await _send(db, setup, clock, customer_id=foreign.id)
    found = await _lookup(db, setup)
    assert found.customer_id != foreign.id


# --- sending --------------------------------------------------------------------------------------

async def test_the_code_has_six_digits_and_only_its_hash_is_stored(db, clock, setup):
    sent = await _send(db, setup, clock)
    assert len(sent.code) == 6 and sent.code.isdigit() and sent.recipient == "ellen.smith@example.com"
    async with db.read() as session:
        challenge = await session.get(OtpChallenge, sent.challenge_id)
        audits = (await session.exec(select(AuditEvent))).all()
    assert sent.code not in challenge.code_hash and len(challenge.code_hash) == 64
    assert all(sent.code not in a.detail for a in audits)
    assert challenge.expires_at - challenge.created_at == timedelta(minutes=10)


async def test_sms_needs_the_organizations_setting_and_a_country_code_and_whatsapp_is_refused(db, clock, setup):
    with pytest.raises(Refused, match="SMS passcodes are turned off"):
        await _send(db, setup, clock, channel="sms")
    with pytest.raises(Refused, match="email or SMS only"):
        await _send(db, setup, clock, channel="whatsapp")
    async with db.transaction() as session:
        org = await session.get(Organization, setup.org.id)
        org.sms_otp_enabled, org.sms_number = True, "+15005550077"
        session.add(org)
    sent = await _send(db, setup, clock, channel="sms")
    assert (sent.recipient, sent.sender) == ("+14155550100", "+15005550077")  # from the organization's number
    local = await make_customer(db, setup.org, first="Ellen", last="Smith", phone="4155550100", external_id="x")
    with pytest.raises(Refused, match="no country code"):
        await _send(db, setup, clock, channel="sms", customer_id=local.id)


async def test_without_a_provider_no_code_is_created(db, clock, setup):
    bare = dataclasses.replace(SETTINGS, smtp_host=None)
    with pytest.raises(Refused, match="not configured"):
        await _send(db, setup, clock, settings=bare)
    async with db.read() as session:
        assert (await session.exec(select(OtpChallenge))).all() == []


async def test_at_most_five_sends_per_customer_in_ten_minutes(db, clock, setup):
    for _ in range(5):
        await _send(db, setup, clock)
        clock.advance(seconds=60)
    with pytest.raises(Refused, match="5 passcodes were already sent"):
        await _send(db, setup, clock)
    clock.advance(seconds=5 * 60 + 1)  # the first send is now more than 10 minutes old
    await _send(db, setup, clock)


# --- checking -------------------------------------------------------------------------------------

async def test_the_right_code_verifies_links_the_customer_and_leaves_an_internal_note(db, clock, setup):
    sent = await _send(db, setup, clock)
    result = await _check(db, setup, sent.code, clock)
    assert result.verified
    async with db.read() as session:
        interaction = await session.get(Interaction, setup.chat.id)
        case = await session.get(Case, interaction.case_id)
        shown_to_customer = await conversation.chat_transcript(session, interaction=interaction, linker=agent_link)
        shown_to_agent = await conversation.transcript(session, interaction=interaction)
    assert (interaction.verified, interaction.customer_id, case.customer_id) == (True, setup.customer.id,
                                                                                  setup.customer.id)
    assert any("verified with a passcode" in i.body for i in shown_to_agent)
    assert not any("verified" in i.body for i in shown_to_customer)
    assert len(await _audits(db, "otp.verified")) == 1


async def test_a_code_is_valid_at_9_59_and_expired_at_10_01(db, clock, setup):
    sent = await _send(db, setup, clock)
    clock.advance(seconds=10 * 60 + 60)
    late = await _check(db, setup, sent.code, clock)
    assert not late.verified and "expired" in late.message
    fresh = await _send(db, setup, clock)
    clock.advance(seconds=9 * 60 + 59)
    assert (await _check(db, setup, fresh.code, clock)).verified


async def test_a_code_is_used_once(db, clock, setup):
    sent = await _send(db, setup, clock)
    assert (await _check(db, setup, sent.code, clock)).verified
    with pytest.raises(Refused, match="already verified"):
        await _check(db, setup, sent.code, clock)
    async with db.read() as session:
        assert (await session.get(OtpChallenge, sent.challenge_id)).used_at is not None


async def test_resend_invalidates_the_old_code_and_keeps_the_failed_count(db, clock, setup):
    old = await _send(db, setup, clock)
    for _ in range(3):
        assert "does not match" in (await _check(db, setup, _wrong(old.code), clock)).message
    new = await _send(db, setup, clock)
    if new.code != old.code:
        assert "does not match" in (await _check(db, setup, old.code, clock)).message
    async with db.read() as session:
        current = await session.get(OtpChallenge, new.challenge_id)
    assert current.failed_attempts >= 3  # carried over: resending buys no extra guesses
    assert (await _check(db, setup, new.code, clock)).verified


async def test_five_wrong_codes_lock_the_challenge_until_a_new_one_is_sent(db, clock, setup):
    sent = await _send(db, setup, clock)
    results = [await _check(db, setup, _wrong(sent.code), clock) for _ in range(5)]
    assert "4 tries left" in results[0].message and results[4].locked
    after = await _check(db, setup, sent.code, clock)
    assert not after.verified and "locked" in after.message
    assert len(await _audits(db, "otp.locked")) == 1
    fresh = await _send(db, setup, clock)
    async with db.read() as session:
        assert (await session.get(OtpChallenge, fresh.challenge_id)).failed_attempts == 0
    assert (await _check(db, setup, fresh.code, clock)).verified


async def test_a_code_is_bound_to_its_interaction(db, clock, setup):
    sent = await _send(db, setup, clock)
    second = await new_chat(db, setup.org, clock, first="Ellen", last="Smith", email="ellen.smith@example.com")
    result = await _check(db, setup, sent.code, clock, interaction_id=second.id)
    assert not result.verified and "Send a passcode first" in result.message
    async with db.read() as session:
        assert not (await session.get(Interaction, second.id)).verified
        assert not (await session.get(Interaction, setup.chat.id)).verified


async def test_leading_zeros_are_kept(db, clock, setup, monkeypatch):
    monkeypatch.setattr(verification, "_new_code", lambda: "000123")
    sent = await _send(db, setup, clock)
    assert sent.code == "000123"
    with pytest.raises(Refused, match="6-digit"):
        await _check(db, setup, "123", clock)
    assert (await _check(db, setup, "000123", clock)).verified


async def test_a_foreign_agent_can_neither_send_nor_check(db, clock, setup):
    bob = await make_agent(db, "bob", [setup.org])
    sent = await _send(db, setup, clock)
    async with db.transaction() as session:
        with pytest.raises(NotFound):
            await verification.check_code(session, identity=bob, interaction_id=setup.chat.id, code=sent.code,
                                          settings=SETTINGS, clock=clock)


async def test_twenty_concurrent_wrong_codes_never_pass_the_limit(db, clock, setup):
    sent = await _send(db, setup, clock)
    wrong = [f"{(int(sent.code) + n) % 10 ** 6:06d}" for n in range(1, 21)]

    async def attempt(code):
        return await _check(db, setup, code, clock)

    results = await asyncio.gather(*(attempt(code) for code in wrong))
    async with db.read() as session:
        challenge = await session.get(OtpChallenge, sent.challenge_id)
    assert challenge.failed_attempts == 5 and challenge.locked
    assert len(await _audits(db, "otp.failed")) == 5
    assert sum("does not match" in r.message for r in results) == 5
    assert not (await _check(db, setup, sent.code, clock)).verified


async def test_another_active_interaction_of_the_same_customer_is_not_merged(db, clock, setup):
    from services import interactions

    async with db.transaction() as session:
        sms = await interactions.open_interaction(session, organization_id=setup.org.id, channel="sms", clock=clock,
                                                  first_name="Ellen", last_name="Smith", phone="+14155550100")
    sent = await _send(db, setup, clock)
    assert (await _check(db, setup, sent.code, clock)).verified
    async with db.read() as session:
        other = await session.get(Interaction, sms.id)
        verified = await session.get(Interaction, setup.chat.id)
    assert not other.verified and other.customer_id is None and other.state == "assigned"
    assert other.case_id != verified.case_id  # each keeps its own case; nothing moved across
