"""Managers see the outbox and send a held message again once a provider can take it."""

from __future__ import annotations

from datetime import datetime, timezone

from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine
from sqlmodel import Session, select

from services.db import sync_url
from services.models import Organization, OutboundMessage
from tests.e2e.helpers import sign_in, sign_out
from tests.fakes.twilio_api import wait_for_sms


def _held_sms(database_url: str, recipient: str, body: str) -> None:
    """A reply that was held while no SMS provider was configured (inbound SMS arrives in a later issue)."""
    engine = create_engine(sync_url(database_url))
    with Session(engine) as session:
        org = session.exec(select(Organization).where(Organization.slug == "sophias")).one()
        session.add(OutboundMessage(organization_id=org.id, channel="sms", recipient=recipient, body=body,
                                    status="held", created_at=datetime.now(timezone.utc)))
        session.commit()
    engine.dispose()


def test_a_manager_sends_a_held_sms_again_and_agents_cannot_see_the_outbox(browser: Browser, base_url, e2e_database,
                                                                          twilio_api, shot):
    _held_sms(e2e_database, "+14155550199", "Your replacement ships tomorrow.")
    manager = browser.new_context().new_page()
    sign_in(manager, base_url, "maria")
    manager.get_by_role("link", name="Outbox").click()
    manager.wait_for_url("**/outbox")
    row = manager.get_by_test_id("outbound-message").filter(has_text="Your replacement ships tomorrow.")
    expect(row).to_have_attribute("data-status", "held")
    shot(manager, "outbox")
    already = len(twilio_api.messages)
    row.get_by_role("button", name="Send again").click()
    sent = wait_for_sms(twilio_api, "+14155550199", after=already)
    assert sent["Body"] == "Your replacement ships tomorrow."
    expect(row).to_have_attribute("data-status", "sent")  # pushed as the worker records it, no reload
    sign_out(manager)

    agent = browser.new_context().new_page()
    sign_in(agent, base_url, "alice")
    expect(agent.get_by_role("link", name="Outbox")).to_have_count(0)
    agent.goto(f"{base_url}/outbox")
    expect(agent.get_by_text("Only managers see the outbox.")).to_be_visible()
    expect(agent.get_by_test_id("outbound-message")).to_have_count(0)
    sign_out(agent)
