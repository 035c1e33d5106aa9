"""The Live Chat: signed identity, start-form validation, resume by token, end and rating."""

from __future__ import annotations

import pytest

from services import chat
from services.errors import Refused
from services.models import Customer
from tests.services.factories import make_agent, make_org

SECRET = "test-secret"


async def _customer(db, org) -> Customer:
    async with db.transaction() as session:
        customer = Customer(organization_id=org.id, external_id="ellen-smith", first_name="Ellen", last_name="Smith",
                            email="ellen.smith@example.com", phone="+14155550100")
        session.add(customer)
    return customer


async def test_a_valid_signature_yields_the_customer_and_a_bad_or_missing_one_does_not(db):
    org = await make_org(db)
    ellen = await _customer(db, org)
    good = chat.sign_identity(org.chat_identity_secret, org.slug, "ellen-smith")
    async with db.read() as session:
        found = await chat.verified_customer(session, organization=org, external_id="ellen-smith", signature=good)
        forged = await chat.verified_customer(session, organization=org, external_id="ellen-smith", signature="00" * 32)
        other_secret = chat.sign_identity("wrong", org.slug, "ellen-smith")
        wrong = await chat.verified_customer(session, organization=org, external_id="ellen-smith", signature=other_secret)
        missing = await chat.verified_customer(session, organization=org, external_id="ellen-smith", signature="")
    assert found.id == ellen.id and forged is None and wrong is None and missing is None


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
