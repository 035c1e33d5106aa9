"""Managers switch SMS OTP on or off, set the appeasement limit and require expiring chat links, for their own
organizations only."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import select

from services import organization_settings
from services.errors import NotFound, Refused
from services.models import AuditEvent, Organization
from tests.services.factories import make_agent, make_org


async def _update(db, identity, org_id, clock, sms=True, limit="75.50", expiring=False, origins=""):
    async with db.transaction() as session:
        return await organization_settings.update(session, identity=identity, organization_id=org_id,
                                                  sms_otp_enabled=sms, appease_limit=limit,
                                                  require_expiring_chat_links=expiring,
                                                  allowed_chat_origins=origins, clock=clock)


async def _manager_and_settings(db):
    """An organization, its manager maria (grant manage_organization), and its settings as she first sees them."""
    org = await make_org(db)
    agent = await make_agent(db, "maria", [org])
    maria = dataclasses.replace(agent, grants=agent.grants | {"manage_organization"})
    async with db.read() as session:
        [before] = await organization_settings.listing(session, identity=maria)
    return org, maria, before


async def test_a_manager_enables_sms_otp_and_sets_the_limit_with_an_audit_event(db, clock):
    org, maria, before = await _manager_and_settings(db)
    assert (before.sms_otp_enabled, before.appease_limit) == (False, "50.00")  # off by default
    row = await _update(db, maria, org.id, clock)
    assert (row.sms_otp_enabled, row.appease_limit) == (True, "75.50")
    async with db.read() as session:
        stored = await session.get(Organization, org.id)
        [event] = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "organization.settings_changed"))).all()
    assert (stored.sms_otp_enabled, stored.appease_limit_cents) == (True, 7550)
    assert event.actor_user_id == maria.user_id and "[5000, 7550]" in event.detail


async def test_agents_foreign_organizations_and_bad_limits_are_refused_and_change_nothing(db, clock):
    org, other = await make_org(db), await make_org(db, "janes", "Jane's")
    agent = await make_agent(db, "alice", [org])
    maria = dataclasses.replace(agent, grants=agent.grants | {"manage_organization"})
    with pytest.raises(NotFound):
        await _update(db, agent, org.id, clock, expiring=True)
    with pytest.raises(NotFound):
        await _update(db, maria, other.id, clock, expiring=True)
    with pytest.raises(Refused, match="number"):
        await _update(db, maria, org.id, clock, limit="lots", expiring=True)
    with pytest.raises(Refused, match="at most"):
        await _update(db, maria, org.id, clock, limit="1000000", expiring=True)
    async with db.read() as session:
        assert await organization_settings.listing(session, identity=agent) == []
        stored = await session.get(Organization, org.id)
    assert (stored.sms_otp_enabled, stored.appease_limit_cents) == (False, 5000)
    assert not stored.require_expiring_chat_links
    async with db.read() as session:
        assert (await session.get(Organization, other.id)).require_expiring_chat_links is False


async def test_a_manager_requires_expiring_chat_links_and_can_lift_it_again(db, clock):
    org, maria, before = await _manager_and_settings(db)
    assert before.require_expiring_chat_links is False  # off by default: existing retailer links keep working
    row = await _update(db, maria, org.id, clock, expiring=True)
    async with db.read() as session:
        stored = await session.get(Organization, org.id)
        [listed] = await organization_settings.listing(session, identity=maria)
    assert row.require_expiring_chat_links and stored.require_expiring_chat_links and listed.require_expiring_chat_links
    await _update(db, maria, org.id, clock, expiring=False)
    async with db.read() as session:
        assert (await session.get(Organization, org.id)).require_expiring_chat_links is False
        events = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "organization.settings_changed")
                                     .order_by(AuditEvent.id))).all()
    assert ['"require_expiring_chat_links": [false, true]' in e.detail for e in events] == [True, False]
    assert '"require_expiring_chat_links": [true, false]' in events[1].detail


async def test_a_manager_lists_the_sites_that_may_frame_the_chat_and_a_bad_line_changes_nothing(db, clock):
    org, maria, before = await _manager_and_settings(db)
    assert before.allowed_chat_origins == ""  # a new organization's chat is framed by no site until listed
    row = await _update(db, maria, org.id, clock, origins="HTTPS://Shop.Example/\n\nhttp://127.0.0.1:8090\n")
    assert row.allowed_chat_origins == "https://shop.example\nhttp://127.0.0.1:8090"
    with pytest.raises(Refused, match="ftp://files.example"):
        await _update(db, maria, org.id, clock, sms=False, origins="https://ok.example\nftp://files.example")
    async with db.read() as session:
        stored = await session.get(Organization, org.id)
        events = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "organization.settings_changed"))).all()
    # The refused save changed nothing, not even the other fields of the same form.
    assert (stored.allowed_chat_origins, stored.sms_otp_enabled) == ("https://shop.example\nhttp://127.0.0.1:8090", True)
    assert len(events) == 1 and "https://shop.example" in events[0].detail


async def test_a_manager_sets_the_sop_per_channel_and_a_bad_one_changes_nothing(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "maria", [org])
    maria = dataclasses.replace(agent, grants=agent.grants | {"manage_organization"})
    async with db.read() as session:
        [before] = await organization_settings.listing(session, identity=maria)
    assert before.sop_seconds == {"chat": "60", "sms": "300", "whatsapp": "300", "email": "3600"}
    sops = {"chat": "20", "sms": "120", "whatsapp": "180", "email": "7200"}
    async with db.transaction() as session:
        row = await organization_settings.update(session, identity=maria, organization_id=org.id,
                                                 sms_otp_enabled=False, appease_limit="50", sop_seconds=sops,
                                                 require_expiring_chat_links=False, allowed_chat_origins="",
                                                 clock=clock)
    assert row.sop_seconds == sops
    for bad, message in (("abc", "Chat SOP must be a whole number"), ("4", "from 5"), ("-10", "Chat SOP")):
        with pytest.raises(Refused, match=message):
            async with db.transaction() as session:
                await organization_settings.update(session, identity=maria, organization_id=org.id,
                                                   sms_otp_enabled=True, appease_limit="50",
                                                   sop_seconds={**sops, "chat": bad},
                                                   require_expiring_chat_links=False, allowed_chat_origins="",
                                                   clock=clock)
    async with db.read() as session:
        stored = await session.get(Organization, org.id)
        events = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "organization.settings_changed"))).all()
    assert (stored.sop_chat_seconds, stored.sop_sms_seconds, stored.sop_whatsapp_seconds, stored.sop_email_seconds,
            stored.sms_otp_enabled) == (20, 120, 180, 7200, False)
    assert len(events) == 1 and '"chat": 20' in events[0].detail


async def test_a_manager_sets_hours_of_operation_and_bad_ones_change_nothing(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "maria", [org])
    maria = dataclasses.replace(agent, grants=agent.grants | {"manage_organization"})

    async def save(opening):
        async with db.transaction() as session:
            return await organization_settings.update(session, identity=maria, organization_id=org.id,
                                                      sms_otp_enabled=False, appease_limit="50",
                                                      require_expiring_chat_links=False, allowed_chat_origins="",
                                                      hours_of_operation=opening, clock=clock)

    row = await save(("08:30", "20:00", "Europe/Paris"))
    assert (row.opens_at, row.closes_at, row.timezone) == ("08:30", "20:00", "Europe/Paris")
    with pytest.raises(Refused, match="Closes at must be a time"):
        await save(("08:30", "8pm", "Europe/Paris"))
    async with db.read() as session:
        stored = await session.get(Organization, org.id)
    assert (stored.opens_at, stored.closes_at, stored.timezone) == ("08:30", "20:00", "Europe/Paris")
    assert (await save(("", "", "UTC"))).opens_at == ""  # always open again


async def _numbers(db, identity, org_id, clock, sms, whatsapp):
    async with db.transaction() as session:
        return await organization_settings.update(session, identity=identity, organization_id=org_id,
                                                  sms_otp_enabled=False, appease_limit="50", allowed_chat_origins="",
                                                  require_expiring_chat_links=False, clock=clock, sms_number=sms,
                                                  whatsapp_number=whatsapp)


async def _manager(db, orgs):
    agent = await make_agent(db, "maria", orgs)
    return dataclasses.replace(agent, grants=agent.grants | {"manage_organization"})


async def test_a_manager_sets_the_sms_and_whatsapp_numbers_in_e164(db, clock):
    org = await make_org(db)
    maria = await _manager(db, [org])
    row = await _numbers(db, maria, org.id, clock, "+1 (500) 555-0006", "whatsapp:+14155238886")
    assert (row.sms_number, row.whatsapp_number) == ("+15005550006", "+14155238886")
    row = await _numbers(db, maria, org.id, clock, "", None)  # "" removes, None leaves as it is
    assert (row.sms_number, row.whatsapp_number) == ("", "+14155238886")


@pytest.mark.parametrize("sms, message", [("5550006", "country code"), ("+1 555", "country code"),
                                          ("+15005550007", "already the SMS number of Jane's")])
async def test_a_bad_or_taken_number_is_refused_and_nothing_changes(db, clock, sms, message):
    org, janes = await make_org(db), await make_org(db, "janes", "Jane's", sms_number="+15005550007")
    maria = await _manager(db, [org])
    await _numbers(db, maria, org.id, clock, "+15005550006", "")
    with pytest.raises(Refused, match=message):
        await _numbers(db, maria, org.id, clock, sms, "+14155238886")
    async with db.read() as session:
        stored = await session.get(Organization, org.id)
    assert (stored.sms_number, stored.whatsapp_number) == ("+15005550006", None)


async def test_the_chatbot_secret_is_write_only_and_a_blank_keeps_it(db, clock):
    org, maria, before = await _manager_and_settings(db)
    assert before.chatbot_secret_set is False

    async def save(secret):
        async with db.transaction() as session:
            return await organization_settings.update(session, identity=maria, organization_id=org.id,
                                                      sms_otp_enabled=False, appease_limit="50.00",
                                                      require_expiring_chat_links=False, allowed_chat_origins="",
                                                      clock=clock, chatbot_secret=secret)

    row = await save("  a-long-enough-bot-secret  ")
    assert row.chatbot_secret_set and "a-long-enough-bot-secret" not in repr(row)  # never sent back
    await save("")  # a blank box keeps it
    for bad in ("short", "x" * 201, "tab\there-and-long-enough"):
        with pytest.raises(Refused, match="chatbot secret"):
            await save(bad)
    async with db.read() as session:
        stored = await session.get(Organization, org.id)
        events = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "organization.settings_changed"))).all()
    assert stored.chatbot_secret == "a-long-enough-bot-secret"
    assert all("a-long-enough-bot-secret" not in event.detail for event in events)
