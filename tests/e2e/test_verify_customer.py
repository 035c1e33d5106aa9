"""Verifying an unknown chat customer by emailed passcode, then acting on her order from the header."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.helpers import available_agent_and_customer, customer_says, row_saying, sign_out, start_chat
from tests.e2e.helpers import wrap_up as wrap_up_interaction
from tests.fakes.smtp import passcode_in


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def test_agent_verifies_by_emailed_passcode_then_cancels_the_open_order(browser: Browser, base_url, smtp_server,
                                                                         shot):
    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, "Ellen", "Smith", "ellen.smith@example.com")
    customer_says(customer, "Hello, I need to cancel my last order.")

    row = agent.get_by_test_id("interaction-row").filter(has_text="I need to cancel my last order.")
    row.click()
    header = agent.get_by_test_id("customer-header")
    expect(header).to_have_attribute("data-verified", "false")
    expect(header).to_contain_text("(Unverified)")
    expect(agent.get_by_test_id("most-recent-order")).to_have_count(0)  # nothing shown before verification
    expect(agent.get_by_test_id("customer-metrics")).to_have_count(0)
    shot(agent, "unverified-header")

    header.get_by_role("button", name="Verify Customer").click()
    dialog = agent.get_by_role("dialog", name="Verify Customer")
    expect(dialog.get_by_test_id("verify-record")).to_contain_text("ellen.smith@example.com")
    expect(dialog.get_by_test_id("sms-otp-off")).to_be_visible()  # off by default, and said so
    expect(dialog.get_by_role("button", name="Send via SMS")).to_be_disabled()
    already = len(smtp_server.messages)
    dialog.get_by_role("button", name="Send via Email").click()
    expect(dialog.get_by_text("Passcode sent by email")).to_be_visible()
    code = passcode_in(smtp_server.wait_for("ellen.smith@example.com", after=already))

    dialog.get_by_label("Passcode").fill(_wrong(code))
    dialog.get_by_role("button", name="Verify").click()
    expect(dialog.get_by_role("alert")).to_contain_text("does not match")
    expect(header).to_have_attribute("data-verified", "false")
    shot(agent, "wrong-passcode")
    dialog.get_by_label("Passcode").fill(code)
    dialog.get_by_label("Passcode").press("Enter")
    expect(dialog).to_be_hidden()

    expect(header).to_have_attribute("data-verified", "true")  # at once, no reload
    order = agent.get_by_test_id("most-recent-order")
    expect(order.get_by_test_id("order-status")).to_have_text("Open")
    expect(order.get_by_test_id("order-item-image")).to_have_count(3)
    expect(order.get_by_test_id("order-more-items")).to_have_text("+2")
    expect(agent.get_by_test_id("customer-metrics").get_by_test_id("avg-csat")).to_have_text("no ratings yet")
    recommended = agent.get_by_test_id("recommended-item")
    expect(recommended).to_have_count(3)
    recommended.first.click()
    expect(agent.get_by_test_id("message-box")).to_have_text(re.compile(r"https://sophias\.example\.com/products/\w+"))
    shot(agent, "verified-header")

    order.get_by_role("button", name="Cancel").click()
    confirm = agent.get_by_role("dialog", name=re.compile("Cancel order SO-1042"))
    expect(confirm.get_by_role("button", name="Confirm")).to_be_visible()
    agent.wait_for_timeout(300)  # let the dialog's opening animation finish for the screenshot
    shot(agent, "cancel-confirmation")
    confirm.get_by_role("button", name="Confirm").click()
    expect(confirm).to_be_hidden()
    expect(order.get_by_test_id("order-status")).to_have_text("Cancelled")
    expect(order.get_by_role("button", name="Cancel")).to_have_count(0)  # no longer offered
    note = agent.get_by_test_id("message").filter(has_text="Order SO-1042 has been cancelled.")
    expect(note).to_have_attribute("data-author", "system")
    expect(customer.get_by_test_id("message").filter(has_text="SO-1042 has been cancelled")).to_be_visible()
    expect(customer.get_by_text("verified with a passcode")).to_have_count(0)  # an agent-only note
    verified_note = agent.get_by_test_id("message").filter(has_text="verified with a passcode sent by email")
    expect(verified_note.last).to_have_attribute("data-internal", "true")

    customer.get_by_role("button", name="End chat").click()
    customer.get_by_test_id("csat").get_by_role("button", name="5", exact=True).click()
    expect(agent.get_by_test_id("avg-csat")).to_have_text("5.0 / 5 (1)")  # pushed into the header

    header.get_by_role("button", name="Case Details").click()
    case = agent.get_by_role("dialog", name="Case Details")
    case.get_by_label("Case notes").fill("Cancelled SO-1042 at the customer's request.")
    case.get_by_role("button", name="Save").click()
    expect(case.get_by_text("Case notes saved")).to_be_visible()
    shot(agent, "case-details")
    case.get_by_role("button", name="Close").click()
    header.get_by_role("button", name="Wrap Up").click()
    wrap_up = agent.get_by_role("dialog", name="Wrap Up")
    expect(wrap_up.get_by_label("Notes")).to_have_value("Cancelled SO-1042 at the customer's request.")
    wrap_up.get_by_role("button", name="Cancel").click()
    wrap_up_interaction(agent, "Order", "Cancellation")
    sign_out(agent)


def test_an_unmatched_customer_is_found_by_email_then_appeased_and_noted(browser: Browser, base_url, smtp_server,
                                                                         shot):
    agent, customer = available_agent_and_customer(browser, base_url)
    # His record holds this number without the country code, so the lookup cannot match it.
    start_chat(customer, base_url, "Marcus", "Lee", phone="+1 415 555 0123")
    customer_says(customer, "My dress arrived torn.")

    row_saying(agent, "My dress arrived torn.").click()
    agent.get_by_role("button", name="Verify Customer").click()
    dialog = agent.get_by_role("dialog", name="Verify Customer")
    expect(dialog.get_by_text("No customer record matches")).to_be_visible()
    expect(dialog.get_by_test_id("verify-record")).to_have_count(0)  # nothing of a record before it is found
    dialog.get_by_label("Email").fill("nobody@example.com")
    dialog.get_by_role("button", name="Find customer").click()
    expect(dialog.get_by_role("alert")).to_contain_text("No customer record has that email")
    dialog.get_by_label("Email").fill("marcus.lee@example.com")
    dialog.get_by_role("button", name="Find customer").click()
    expect(dialog.get_by_test_id("verify-record")).to_contain_text("Marcus Lee")
    already = len(smtp_server.messages)
    dialog.get_by_role("button", name="Send via Email").click()
    expect(dialog.get_by_text("Passcode sent by email")).to_be_visible()
    code = passcode_in(smtp_server.wait_for("marcus.lee@example.com", after=already))
    dialog.get_by_label("Passcode").fill(code)
    dialog.get_by_role("button", name="Verify").click()
    expect(agent.get_by_test_id("customer-header")).to_have_attribute("data-verified", "true")

    order = agent.get_by_test_id("most-recent-order")
    expect(order.get_by_test_id("order-status")).to_have_text("Delivered")
    expect(order.get_by_test_id("order-item-image")).to_have_count(2)
    expect(order.get_by_test_id("order-more-items")).to_have_count(0)
    expect(order.get_by_role("button", name="Cancel")).to_have_count(0)  # delivered: too late to cancel
    expect(order.get_by_role("button", name="Return")).to_be_visible()
    order.get_by_role("button", name="Appease").click()
    appease = agent.get_by_role("dialog", name=re.compile("Appease on order SO-1037"))
    appease.get_by_label("Amount").fill("500")
    appease.get_by_label("Reason").select_option("Damaged item")
    appease.get_by_role("button", name="Confirm").click()
    expect(appease.get_by_role("alert")).to_contain_text("At most $50.00")  # the organization's limit
    appease.get_by_label("Amount").fill("15")
    shot(agent, "appease")
    appease.get_by_role("button", name="Confirm").click()
    expect(appease).to_be_hidden()
    expect(agent.get_by_test_id("message").filter(has_text="An appeasement of $15.00")).to_have_attribute(
        "data-author", "system")

    agent.get_by_test_id("customer-notes-button").click()
    profile = agent.get_by_role("dialog", name="Customer Profile")
    expect(profile.get_by_label("Email")).to_have_value("marcus.lee@example.com")
    # His record's phone lacks its country code: the agent (grant customer_profile_edit) corrects it.
    profile.get_by_label("Phone").fill("415 555 0123")
    profile.get_by_role("button", name="Save").click()
    expect(profile.get_by_role("alert")).to_contain_text("country code")
    profile.get_by_label("Phone").fill("+1 415 555 0123")
    profile.get_by_label("First name").fill("Marc")
    profile.get_by_role("button", name="Save").click()
    expect(profile.get_by_text("Profile saved.")).to_be_visible()
    expect(profile.get_by_label("Phone")).to_have_value("+14155550123")  # stored as E.164
    expect(agent.get_by_test_id("customer-header")).to_contain_text("Marc Lee")
    profile.get_by_label("First name").fill("Marcus")  # his name as the other tests know it
    profile.get_by_role("button", name="Save").click()
    expect(agent.get_by_test_id("customer-header")).to_contain_text("Marcus Lee")
    profile.get_by_label("New note").fill("Prefers a call-back after 5pm.")
    profile.get_by_role("button", name="Add note").click()
    expect(profile.get_by_test_id("customer-note").first).to_contain_text("Prefers a call-back after 5pm.")
    shot(agent, "customer-profile")
    profile.get_by_role("button", name="Close").click()
    wrap_up_interaction(agent, "Order", "Return")
    sign_out(agent)
