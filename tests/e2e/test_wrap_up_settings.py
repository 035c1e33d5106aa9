"""A manager maintains the wrap-up lists; the agent's Wrap Up popup offers what she added."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.helpers import customer_says, set_available, sign_in, sign_out, start_chat, wrap_up


def test_a_manager_adds_a_pair_that_wrap_up_then_offers_and_agents_cannot_edit(browser: Browser, base_url, shot):
    manager = browser.new_context().new_page()
    sign_in(manager, base_url, "maria")
    manager.get_by_role("link", name="Wrap-up categories").click()
    manager.wait_for_url("**/settings/wrap-up")
    manager.get_by_label("Organization").select_option(label="Sophia's")
    manager.get_by_label("Category", exact=True).fill("Billing")
    manager.get_by_label("Subcategory").fill("Refund status")
    manager.get_by_role("button", name="Add").click()
    row = manager.get_by_test_id("wrap-up-category").filter(has_text="Refund status")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Sophia's")
    manager.get_by_label("Category", exact=True).fill("Billing")
    manager.get_by_label("Subcategory").fill("Refund status")
    manager.get_by_role("button", name="Add").click()
    expect(manager.get_by_role("alert")).to_contain_text("already in the list")  # refused, nothing added
    expect(row).to_have_count(1)
    shot(manager, "wrap-up-categories")

    agent, customer = browser.new_context().new_page(), browser.new_context().new_page()
    sign_in(agent, base_url, "alice")
    expect(agent.get_by_role("link", name="Wrap-up categories")).to_have_count(0)
    set_available(agent)
    start_chat(customer, base_url, "Rita", "Vance", "rita.vance@example.com")
    customer_says(customer, "Where is my refund?")
    agent.get_by_test_id("interaction-row").filter(has_text="Where is my refund?").click()
    wrap_up(agent, "Billing", "Refund status")  # the popup offers the manager's new pair

    agent.goto(f"{base_url}/settings/wrap-up")
    expect(agent.get_by_text("Only managers maintain the wrap-up lists.")).to_be_visible()
    expect(agent.get_by_test_id("wrap-up-category")).to_have_count(0)
    sign_out(agent)

    row.get_by_role("button", name="Remove Billing / Refund status").click()
    expect(row).to_have_count(0)
    sign_out(manager)
