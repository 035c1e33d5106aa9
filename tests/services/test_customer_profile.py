"""Customer Profile editing: validation (email-validator, E.164 phones with a country code), the grant, the
organization's own customer only, an audit event, and a push to every agent who has the customer open."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlmodel import select

from services import chat, customer_profile, events
from services.errors import NotFound, Refused
from services.models import AuditEvent, Customer
from tests.services.factories import make_agent, make_customer, make_org


@pytest.fixture
async def ellen(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    customer = await make_customer(db, org, external_id="ellen-smith")
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, customer=customer)
    return dict(org=org, alice=alice, customer=customer, interaction_id=started.interaction_id)


async def _update(db, clock, e, identity=None, **fields):
    form = dict(first_name="Ellen", last_name="Smith", email="ellen.smith@example.com", phone="+14155550100")
    async with db.transaction() as session:
        return await customer_profile.update_profile(session, identity=identity or e["alice"],
                                                     interaction_id=e["interaction_id"], clock=clock,
                                                     **{**form, **fields})


async def _customer(db, e) -> Customer:
    async with db.read() as session:
        return await session.get(Customer, e["customer"].id)


async def test_an_edit_is_normalised_audited_and_pushed(db, clock, ellen):
    async with events.collecting() as published:
        await _update(db, clock, ellen, last_name=" Smith-Jones ", email="Ellen.Jones@Example.com",
                      phone="+44 20 7946 0958")
    c = await _customer(db, ellen)
    assert (c.last_name, c.email, c.phone) == ("Smith-Jones", "Ellen.Jones@example.com", "+442079460958")
    assert events.customer_topic(c.id) in published
    async with db.read() as session:
        event = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "customer.profile_edited"))).one()
    assert json.loads(event.detail)["fields"] == ["email", "last_name", "phone"]


@pytest.mark.parametrize("fields, message", [
    ({"phone": "415 555 0100"}, "country code"), ({"phone": "+1 555"}, "not valid"),
    ({"email": "ellen@"}, "valid email"), ({"first_name": "  "}, "first name"),
    ({"last_name": "x" * 101}, "at most 100"), ({"email": "", "phone": ""}, "email address or a phone"),
    ({"first_name": None}, "first name")])
async def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(db, clock, ellen, fields, message):
    with pytest.raises(Refused, match=message):
        await _update(db, clock, ellen, **fields)
    c = await _customer(db, ellen)
    assert (c.first_name, c.last_name, c.email, c.phone) == ("Ellen", "Smith", "ellen.smith@example.com",
                                                             "+14155550100")


async def test_without_the_grant_or_for_another_agents_interaction_nothing_changes(db, clock, ellen):
    reader = replace(ellen["alice"], grants=ellen["alice"].grants - {"customer_profile_edit"})
    async with db.read() as session:
        form = await customer_profile.profile_form(session, identity=reader, interaction_id=ellen["interaction_id"])
    assert (form.first_name, form.editable) == ("Ellen", False)
    with pytest.raises(Refused, match="grant"):
        await _update(db, clock, ellen, identity=reader, first_name="Mallory")
    bob = await make_agent(db, "bob", [ellen["org"]])
    with pytest.raises(NotFound):
        await _update(db, clock, ellen, identity=bob, first_name="Mallory")
    assert (await _customer(db, ellen)).first_name == "Ellen"
