"""The Live Chat: signed (and expiring) identity, start-form validation, rate limits, resume by token, end and
rating."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from services import chat
from services.errors import Refused
from services.models import Customer, Interaction, Message, Organization
from tests.services.factories import make_agent, make_org

SECRET = "test-secret"


async def _customer(db, org) -> Customer:
    async with db.transaction() as session:
        customer = Customer(organization_id=org.id, external_id="ellen-smith", first_name="Ellen", last_name="Smith",
                            email="ellen.smith@example.com", phone="+14155550100")
        session.add(customer)
    return customer


async def _verified(db, org, signature, clock, expires="", external_id="ellen-smith"):
    async with db.read() as session:
        return await chat.verified_customer(session, organization=org, external_id=external_id, signature=signature,
                                            expires=expires, clock=clock)


async def _require_expiring_links(db, org) -> Organization:
    async with db.transaction() as session:
        stored = await session.get(Organization, org.id)
        stored.require_expiring_chat_links = True
        session.add(stored)
    return stored


async def test_a_valid_signature_yields_the_customer_and_a_bad_or_missing_one_does_not(db, clock):
    org = await make_org(db)
    ellen = await _customer(db, org)
    good = chat.sign_identity(org.chat_identity_secret, org.slug, "ellen-smith")
    found = await _verified(db, org, good, clock)
    forged = await _verified(db, org, "00" * 32, clock)
    wrong = await _verified(db, org, chat.sign_identity("wrong", org.slug, "ellen-smith"), clock)
    missing = await _verified(db, org, "", clock)
    other_customer = await _verified(db, org, good, clock, external_id="someone-else")
    assert found.id == ellen.id and forged is None and wrong is None and missing is None and other_customer is None


async def test_an_expiring_link_verifies_until_its_second_has_passed(db, clock):
    org = await make_org(db)
    ellen = await _customer(db, org)
    expires = str(int(clock().timestamp()) + 600)
    signature = chat.sign_identity(org.chat_identity_secret, org.slug, "ellen-smith", expires)
    assert (await _verified(db, org, signature, clock, expires)).id == ellen.id
    clock.advance(seconds=600)  # the very second it names: still valid
    assert (await _verified(db, org, signature, clock, expires)).id == ellen.id
    clock.advance(seconds=1)
    assert await _verified(db, org, signature, clock, expires) is None


async def test_an_expiring_link_is_refused_when_expires_is_changed_dropped_or_malformed(db, clock):
    org = await make_org(db)
    await _customer(db, org)
    expires = str(int(clock().timestamp()) + 600)
    signature = chat.sign_identity(org.chat_identity_secret, org.slug, "ellen-smith", expires)
    assert await _verified(db, org, signature, clock, str(int(expires) + 3600)) is None  # pushed back by the holder
    assert await _verified(db, org, signature, clock, "") is None  # dropped: the old-style message differs
    for malformed in ("soon", "-600", "1e12", "١٢٣", "9" * 40):
        signed = chat.sign_identity(org.chat_identity_secret, org.slug, "ellen-smith", malformed)
        assert await _verified(db, org, signed, clock, malformed) is None


async def test_a_non_ascii_signature_is_simply_not_verified(db, clock):
    org = await make_org(db)
    await _customer(db, org)
    assert await _verified(db, org, "é" * 64, clock) is None


async def test_an_old_style_link_works_until_the_organization_requires_expiring_links(db, clock):
    org = await make_org(db)
    ellen = await _customer(db, org)
    old_style = chat.sign_identity(org.chat_identity_secret, org.slug, "ellen-smith")
    assert (await _verified(db, org, old_style, clock)).id == ellen.id
    org = await _require_expiring_links(db, org)
    assert await _verified(db, org, old_style, clock) is None
    expires = str(int(clock().timestamp()) + 60)
    expiring = chat.sign_identity(org.chat_identity_secret, org.slug, "ellen-smith", expires)
    assert (await _verified(db, org, expiring, clock, expires)).id == ellen.id


@pytest.mark.parametrize("fields, message", [
    ({"first_name": "", "last_name": "Lee", "email": "p@example.com"}, "first and last name"),
    ({"first_name": "Pat", "last_name": "Lee"}, "email or your phone"),
    ({"first_name": "Pat", "last_name": "Lee", "email": "not-an-email"}, "valid email"),
    ({"first_name": "Pat", "last_name": "Lee", "phone": "4155550100"}, "country code"),
])
async def test_the_unverified_start_form_is_validated(db, clock, fields, message):
    org = await make_org(db)
    with pytest.raises(Refused, match=message):
        async with db.transaction() as session:
            await chat.start_chat(session, organization=org, secret_key=SECRET, clock=clock, **fields)


async def test_start_resume_end_and_rate_once(db, clock):
    org = await make_org(db)
    await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key=SECRET, clock=clock, first_name="Pat",
                                        last_name="Lee", phone="+1 415 555 0199")
    async with db.read() as session:
        resumed = await chat.interaction_for_token(session, organization=org, token=started.token, secret_key=SECRET)
        assert await chat.interaction_for_token(session, organization=org, token="guess", secret_key=SECRET) is None
    assert resumed.id == started.interaction_id and resumed.given_phone == "+14155550199"
    with pytest.raises(Refused, match="End the chat"):
        async with db.transaction() as session:
            await chat.rate_chat(session, interaction=resumed, score=5, clock=clock)
    async with db.transaction() as session:
        interaction = await chat.interaction_for_token(session, organization=org, token=started.token, secret_key=SECRET)
        await chat.end_chat(session, interaction=interaction, clock=clock)
    for bad in (0, 6):
        with pytest.raises(Refused, match="1 to 5"):
            async with db.transaction() as session:
                await chat.rate_chat(session, interaction=interaction, score=bad, clock=clock)
    async with db.transaction() as session:
        await chat.rate_chat(session, interaction=interaction, score=4, clock=clock)
    with pytest.raises(Refused, match="already been rated"):
        async with db.transaction() as session:
            await chat.rate_chat(session, interaction=interaction, score=5, clock=clock)


async def _start_from(db, org, clock, address, n=0, **limits):
    return await chat.start_visitor_chat(db, org_slug=org.slug, secret_key=SECRET, clock=clock, first_name="Pat",
                                         last_name="Lee", email=f"pat{n}@example.com", client_address=address,
                                         **limits)


async def _interaction_count(db) -> int:
    async with db.read() as session:
        return (await session.exec(select(func.count(Interaction.id)))).one()


async def test_the_eleventh_chat_start_in_a_minute_from_one_address_is_refused_and_creates_nothing(db, clock):
    org = await make_org(db)
    for n in range(chat.CHAT_STARTS_PER_ADDRESS):
        await _start_from(db, org, clock, "203.0.113.9", n)
    clock.advance(seconds=30)
    with pytest.raises(Refused, match=r"^Too many chats started from here\. Try again in 30 seconds\.$"):
        await _start_from(db, org, clock, "203.0.113.9", 10)
    assert await _interaction_count(db) == 10
    await _start_from(db, org, clock, "198.51.100.7", 11)  # another address is not held back
    clock.advance(seconds=30)  # a new minute
    await _start_from(db, org, clock, "203.0.113.9", 12)
    assert await _interaction_count(db) == 12


async def test_the_per_address_limit_is_the_one_passed_in(db, clock):
    org = await make_org(db)
    await _start_from(db, org, clock, "203.0.113.9", address_limit=1)
    with pytest.raises(Refused, match="Try again in 60 seconds"):
        await _start_from(db, org, clock, "203.0.113.9", address_limit=1)
    assert await _interaction_count(db) == 1


async def test_refused_starts_still_count_and_a_bad_form_is_not_counted(db, clock):
    from services.models import RateLimitWindow

    org = await make_org(db)
    with pytest.raises(Refused, match="first and last name"):
        await chat.start_visitor_chat(db, org_slug=org.slug, secret_key=SECRET, clock=clock, first_name="Pat",
                                      client_address="203.0.113.9", email="pat@example.com", address_limit=1)
    await _start_from(db, org, clock, "203.0.113.9", address_limit=1)
    for n in range(3):
        with pytest.raises(Refused, match="Too many chats"):
            await _start_from(db, org, clock, "203.0.113.9", n + 1, address_limit=1)
    async with db.read() as session:
        window = (await session.exec(select(RateLimitWindow).where(
            RateLimitWindow.key == "chat-start:address:203.0.113.9"))).one()
    assert window.count == 4  # the form with a typo was not counted; each refusal was
    assert await _interaction_count(db) == 1


async def test_the_organization_wide_limit_applies_across_addresses(db, clock):
    limit = {"organization_limit": 3}  # RATE_LIMIT_ORGANIZATION_CHAT_STARTS; 120 real starts would slow the suite
    org, other = await make_org(db), await make_org(db, "janes", "Jane's")
    for n in range(3):
        await _start_from(db, org, clock, f"203.0.113.{n}", n, **limit)
    with pytest.raises(Refused, match=r"^Too many chats are being started right now\. Try again in 60 seconds\.$"):
        await _start_from(db, org, clock, "203.0.113.99", 3, **limit)
    assert await _interaction_count(db) == 3
    await _start_from(db, other, clock, "203.0.113.99", 4, **limit)  # another organization has its own allowance
    clock.advance(minutes=1)
    await _start_from(db, org, clock, "203.0.113.99", 5, **limit)
    assert await _interaction_count(db) == 5


async def test_the_customer_writes_only_into_the_chat_their_token_opens_while_it_lasts(db, clock):
    org = await make_org(db)
    started = await _start_from(db, org, clock, "203.0.113.9")

    async def says(token, body="Hello"):
        async with db.transaction() as session:
            return await chat.send_customer_message(session, organization=org, token=token, secret_key=SECRET,
                                                    body=body, clock=clock)

    assert (await says(started.token)).author == "customer"
    with pytest.raises(Refused, match="Start a chat first"):
        await says("guess")
    with pytest.raises(Refused, match="Type a message"):
        await says(started.token, "  ")
    async with db.transaction() as session:
        interaction = await chat.interaction_for_token(session, organization=org, token=started.token,
                                                       secret_key=SECRET)
        await chat.end_chat(session, interaction=interaction, clock=clock)
        await chat.end_chat(session, interaction=interaction, clock=clock)  # a second End chat adds nothing
    with pytest.raises(Refused, match="has ended"):
        await says(started.token)
    async with db.read() as session:
        stored = await session.get(Interaction, started.interaction_id)
        bodies = (await session.exec(select(Message.body).where(
            Message.interaction_id == started.interaction_id))).all()
    assert stored.last_author == "customer" and bodies.count("The customer ended the chat.") == 1
