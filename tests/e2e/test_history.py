"""A verified customer's earlier interactions appear above the current one, and the case icon warns of an open case."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.helpers import (customer_says, row_saying, set_available, sign_in, sign_out, signed_chat_url,
                               wrap_up)


def _verified_chat(browser: Browser, base_url: str, text: str):
    customer = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    customer.goto(signed_chat_url(base_url))
    customer.get_by_role("button", name="Start chat").click()
    customer_says(customer, text)
    return customer


def test_earlier_interactions_show_as_history_and_a_joined_open_case_is_flagged(browser: Browser, base_url, shot):
    agent = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    _verified_chat(browser, base_url, "First question: is the scarf silk?")
    row_saying(agent, "is the scarf silk?").click()
    agent.get_by_test_id("message-box").fill("Yes, pure silk.")
    agent.get_by_test_id("message-box").press("Control+Enter")
    wrap_up(agent, "Product", "Care instructions", follow_up=True)  # the case stays open

    _verified_chat(browser, base_url, "Second question: do the boots run small?")
    row_saying(agent, "do the boots run small?").click()
    conversation = agent.get_by_test_id("conversation")
    dividers = conversation.get_by_test_id("history-divider")
    expect(dividers.filter(has_text="Earlier chat").first).to_be_visible()
    expect(dividers.last).to_contain_text("This chat")
    messages = conversation.get_by_test_id("message").all_inner_texts()
    first = next(i for i, m in enumerate(messages) if "is the scarf silk?" in m)
    second = next(i for i, m in enumerate(messages) if "do the boots run small?" in m)
    assert first < second  # oldest to newest, the current interaction at the bottom
    expect(agent.get_by_test_id("customer-header").get_by_test_id("case-existing")).to_be_visible()
    shot(agent, "history")
    wrap_up(agent, "Product", "Sizing")
    sign_out(agent)
