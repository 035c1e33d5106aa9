"""A manager enables SMS OTP; the agent verifies by SMS through the twilio library, using Resend."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import (available_agent_and_customer, customer_says, row_saying, sign_in, sign_out, start_chat,
                               wrap_up)
from tests.fakes.twilio_api import wait_for_sms


def _set_sms_otp(manager: Page, base_url: str, enabled: bool) -> None:
    manager.goto(f"{base_url}/settings/organizations")
    sophias = manager.get_by_test_id("organization-settings").filter(has_text="Sophia's")
    box = sophias.get_by_label("Enable SMS OTP Verification")
    box.set_checked(enabled)
    sophias.get_by_role("button", name="Save Sophia's").click()
    expect(manager.get_by_role("status")).to_have_text("Saved Sophia's.")


def _code(message: dict) -> str:
    return re.search(r"\b(\d{6})\b", message["Body"]).group(1)


def test_sms_passcodes_follow_the_organizations_switch_and_resend_invalidates(browser: Browser, base_url,
                                                                             twilio_api, shot):
    manager = browser.new_context().new_page()
    sign_in(manager, base_url, "maria")
    _set_sms_otp(manager, base_url, True)
    shot(manager, "organization-settings")

    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, "Ellen", "Smith", phone="+1 415 555 0100")
    customer_says(customer, "Texting you from my phone.")

    row_saying(agent, "Texting you from my phone.").click()
    agent.get_by_role("button", name="Verify Customer").click()
    dialog = agent.get_by_role("dialog", name="Verify Customer")
    expect(dialog.get_by_test_id("verify-record")).to_contain_text("+14155550100")
    expect(dialog.get_by_test_id("sms-otp-off")).to_have_count(0)
    already = len(twilio_api.messages)
    dialog.get_by_role("button", name="Send via SMS").click()
    expect(dialog.get_by_text("Passcode sent by SMS")).to_be_visible()
    first = _code(wait_for_sms(twilio_api, "+14155550100", after=already))
    dialog.get_by_role("button", name="Resend").click()
    second = _code(wait_for_sms(twilio_api, "+14155550100", after=already + 1))
    if first != second:  # one chance in a million they coincide
        dialog.get_by_label("Passcode").fill(first)
        dialog.get_by_role("button", name="Verify").click()
        expect(dialog.get_by_role("alert")).to_contain_text("does not match")  # the old code stopped working
    dialog.get_by_label("Passcode").fill(second)
    dialog.get_by_role("button", name="Verify").click()
    expect(agent.get_by_test_id("customer-header")).to_have_attribute("data-verified", "true")
    assert twilio_api.messages[-1]["From"] == "+15005550006"
    wrap_up(agent, "Account", "Sign-in help")
    sign_out(agent)

    _set_sms_otp(manager, base_url, False)  # back to the default for the other tests
    sign_out(manager)
