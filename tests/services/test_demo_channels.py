"""The demo gives Sophia's the Twilio numbers of the environment and one approved WhatsApp template."""

from __future__ import annotations

from sqlmodel import select

from services import demo
from services.models import Organization, WhatsAppTemplate


async def _seeded(db, clock, **numbers):
    async with db.transaction() as session:
        assert await demo.seed(session, clock=clock, **numbers)
    async with db.read() as session:
        orgs = {o.slug: o for o in (await session.exec(select(Organization))).all()}
        templates = (await session.exec(select(WhatsAppTemplate))).all()
    return orgs, templates


async def test_sophias_answers_on_the_configured_numbers(db, clock):
    orgs, templates = await _seeded(db, clock, sms_number="+1 500 555 0006", whatsapp_number="whatsapp:+14155238886")
    assert (orgs["sophias"].sms_number, orgs["sophias"].whatsapp_number) == ("+15005550006", "+14155238886")
    assert (orgs["janes"].sms_number, orgs["janes"].whatsapp_number) == (None, None)
    [template] = templates
    assert (template.organization_id, template.name) == (orgs["sophias"].id, "Order update")
    assert "{{1}}" in template.body


async def test_without_numbers_no_organization_has_one(db, clock):
    orgs, _ = await _seeded(db, clock)
    assert all(o.sms_number is None and o.whatsapp_number is None for o in orgs.values())
