"""Editing the verified customer's profile: validated fields, E.164 phones, the grant, the organization scope,
the audit (fields, never values) and the push to every agent who has the customer open."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from services import chat, customer_profile, events
from services.customer_profile import ProfileEdit
from services.errors import NotFound, Refused
from services.models import AuditEvent, Customer, Grant, Interaction
from tests.services.factories import make_agent, make_customer, make_org


@pytest.fixture
async def ellen_chat(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    ellen = await make_customer(db, org, external_id="ellen-smith")
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, customer=ellen)
    return dict(org=org, agent=agent, ellen=ellen, interaction_id=started.interaction_id)


async def _save(db, clock, identity, interaction_id, **fields):
    edit = ProfileEdit(**{"first_name": "Ellen", "last_name": "Smith", "email": "ellen.smith@example.com",
                          "phone": "+14155550100", **fields})
    async with db.transaction() as session:
        return await customer_profile.update_profile(session, identity=identity, interaction_id=interaction_id,
                                                      edit=edit, clock=clock)


async def _stored(db, customer_id: int) -> tuple:
    async with db.read() as session:
        c = await session.get(Customer, customer_id)
        return c.first_name, c.last_name, c.email, c.phone


async def test_an_edit_is_stored_normalised_audited_by_field_and_pushed(db, clock, ellen_chat):
    v = ellen_chat
    async with events.collecting() as seen:
        await _save(db, clock, v["agent"], v["interaction_id"], first_name="  Ellie ", email="Ellie.S@Example.COM",
                    phone="+1 (415) 555-0199")
    assert await _stored(db, v["ellen"].id) == ("Ellie", "Smith", "Ellie.S@example.com", "+14155550199")
    assert events.customer_topic(v["ellen"].id) in seen  # every tab with her open reloads its header
    assert events.interaction_topic(v["interaction_id"]) in seen
    async with db.read() as session:
        [audit] = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "customer.profile_changed"))).all()
        interaction = await session.get(Interaction, v["interaction_id"])
    detail = json.loads(audit.detail)
    assert detail["fields"] == ["email", "first_name", "phone"]
    # Passcodes go to the record's contacts: the previous ones are kept, so a bad edit can be seen and undone.
    assert detail["before"] == {"email": "ellen.smith@example.com", "first_name": "Ellen", "phone": "+14155550100"}
    assert (interaction.given_first_name, interaction.given_last_name) == ("Ellie", "Smith")  # the panel follows


@pytest.mark.parametrize("fields, message", [
    ({"phone": "415 555 0100"}, "country code"),
    ({"phone": "+1 000"}, "not valid"),
    ({"email": "ellen@"}, "valid email"),
    ({"first_name": "  "}, "first name"),
    ({"last_name": "x" * 81}, "80"),
])
async def test_a_bad_field_is_refused_with_a_clear_message_and_nothing_changes(db, clock, ellen_chat, fields,
                                                                               message):
    with pytest.raises(Refused, match=message):
        await _save(db, clock, ellen_chat["agent"], ellen_chat["interaction_id"], **{"last_name": "Changed", **fields})
    assert await _stored(db, ellen_chat["ellen"].id) == ("Ellen", "Smith", "ellen.smith@example.com", "+14155550100")


async def test_email_and_phone_may_be_cleared(db, clock, ellen_chat):
    await _save(db, clock, ellen_chat["agent"], ellen_chat["interaction_id"], email="", phone="")
    assert await _stored(db, ellen_chat["ellen"].id) == ("Ellen", "Smith", None, None)


async def test_without_the_grant_or_for_another_agents_or_organizations_customer_nothing_changes(db, clock,
                                                                                                   ellen_chat):
    v = ellen_chat
    janes = await make_org(db, "janes", "Jane's")
    bob = await make_agent(db, "bob", [v["org"], janes])
    jane_ellen = await make_customer(db, janes, external_id="ellen-smith")
    async with db.transaction() as session:
        janes_chat = await chat.start_chat(session, organization=janes, secret_key="k", clock=clock,
                                           customer=jane_ellen)
    for identity, interaction_id in ((bob, v["interaction_id"]), (v["agent"], janes_chat.interaction_id),
                                     (v["agent"], 99_999), (v["agent"], str(v["interaction_id"]))):
        with pytest.raises(NotFound):
            await _save(db, clock, identity, interaction_id, first_name="Forged")
    async with db.transaction() as session:
        for grant in (await session.exec(select(Grant).where(Grant.user_id == v["agent"].user_id,
                                                             Grant.name == customer_profile.GRANT))).all():
            await session.delete(grant)
    from services.auth import identity_for_user

    async with db.read() as session:
        without = await identity_for_user(session, user_id=v["agent"].user_id)
    with pytest.raises(NotFound):
        await _save(db, clock, without, v["interaction_id"], first_name="Forged")
    assert (await _stored(db, v["ellen"].id))[0] == "Ellen" and (await _stored(db, jane_ellen.id))[0] == "Ellen"
