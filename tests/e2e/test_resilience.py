"""Redis is coordination, not storage: losing its connections or its data loses nothing on screen."""

from __future__ import annotations

import pytest
import redis
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import (available_agent_and_customer, customer_says, row_for, row_saying, sign_out,
                               signed_chat_url, start_chat, wrap_up)


@pytest.fixture
def redis_client(redis_url):
    if not redis_url:
        pytest.skip("needs the real Redis (TEST_REDIS_URL)")
    client = redis.from_url(redis_url)
    yield client
    client.close()


def _open_conversation(browser: Browser, base_url: str, first: str, last: str, email: str):
    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, first, last, email)
    row = row_for(agent, f"{first} {last}")
    row.click()
    customer_says(customer, "Before the outage")
    expect(agent.get_by_test_id("message").filter(has_text="Before the outage")).to_be_visible()
    return agent, customer


def test_a_message_reaches_the_agent_after_the_bus_connection_is_killed(browser: Browser, base_url, redis_client, shot):
    agent, customer = _open_conversation(browser, base_url, "Kai", "Buslost", "kai@example.com")
    killed = redis_client.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
    assert killed >= 1  # the app's change listener was subscribed, and is now cut off
    customer_says(customer, "Are you still there after the bus dropped?")
    expect(agent.get_by_test_id("message").filter(has_text="still there after the bus dropped")).to_be_visible()
    shot(agent, "after-bus-reconnect")
    wrap_up(agent)
    sign_out(agent)


def test_flushing_redis_loses_nothing(browser: Browser, base_url, redis_client, shot):
    agent, customer = _open_conversation(browser, base_url, "Flo", "Flushed", "flo@example.com")
    redis_client.flushdb()  # every client state, token link and lease is gone
    customer_says(customer, "Did my message survive the flush?")
    expect(agent.get_by_test_id("message").filter(has_text="survive the flush")).to_be_visible()
    expect(row_for(agent, "Flo Flushed")).to_be_visible()
    agent.get_by_test_id("message-box").fill("It did, and so did your earlier one.")
    agent.get_by_role("button", name="Send").click()
    expect(customer.get_by_test_id("message").filter(has_text="so did your earlier one")).to_be_visible()
    expect(agent.get_by_test_id("message").filter(has_text="Before the outage")).to_be_visible()
    agent.reload()  # the session cookie still signs in
    expect(agent.get_by_test_id("availability")).to_be_visible()
    expect(row_for(agent, "Flo Flushed")).to_be_visible()
    shot(agent, "after-flush")
    row_for(agent, "Flo Flushed").click()
    wrap_up(agent)
    sign_out(agent)


def _read_by_the_server(agent) -> None:
    """Events of a tab run in order: once a dialog a server event opens is shown, what was typed before it has
    been read too."""
    agent.get_by_role("button", name="Case Details").click()
    expect(agent.get_by_role("dialog", name="Case Details")).to_be_visible()
    agent.keyboard.press("Escape")
    expect(agent.get_by_role("dialog", name="Case Details")).to_be_hidden()


def test_a_half_written_reply_survives_a_flush(browser: Browser, base_url, redis_client, shot):
    """Flushed only once the tab's events have run: a flush under an event in flight is that event's loss
    (Reflex's lock goes with it), which is not what this test is about."""
    agent, customer = _open_conversation(browser, base_url, "Hal", "Written", "hal@example.com")
    try:
        box = agent.get_by_test_id("message-box")
        box.fill("Half a reply, ")
        _read_by_the_server(agent)
        redis_client.flushdb()
        row_for(agent, "Hal Written").click()  # the agent's own event rebuilds the tab
        expect(box).to_have_text("Half a reply, ")
        _read_by_the_server(agent)
        redis_client.flushdb()
        customer_says(customer, "Are you still typing?")  # this time a push rebuilds the agent's tab first
        expect(agent.get_by_test_id("message").filter(has_text="still typing")).to_be_visible()
        expect(box).to_have_text("Half a reply, ")
        box.press("End")
        box.press_sequentially("and the rest.")
        agent.get_by_role("button", name="Send").click()
        expect(customer.get_by_test_id("message").filter(has_text="Half a reply, and the rest.")).to_be_visible()
        shot(agent, "draft-after-flush")
        wrap_up(agent)
    finally:
        sign_out(agent)


def test_an_open_order_edit_and_its_unsaved_changes_survive_a_flush(browser: Browser, base_url, redis_client, shot):
    agent, ellen = available_agent_and_customer(browser, base_url)
    ellen.goto(signed_chat_url(base_url))
    ellen.get_by_role("button", name="Start chat").click()
    customer_says(ellen, "Flush test: one more of the first item.")
    row_saying(agent, "Flush test").click()
    agent.get_by_test_id("most-recent-order").get_by_test_id("order-created-date").click()
    screen = agent.locator("[data-testid=secondary-screen][data-screen=order-edit]")
    agent.get_by_role("button", name="Edit order").click()
    quantity = screen.get_by_test_id("order-edit-line").first.get_by_role("spinbutton")
    wanted = str(int(quantity.input_value()) + 1)
    quantity.fill(wanted)
    expect(screen.get_by_text("Unsaved changes")).to_be_visible()

    redis_client.flushdb()  # the tab's open screens and draft are gone from Redis
    # (Not a customer's message here: whether the customer's own tab shows it after a flush is the Live Chat's
    # matter, tested above; this test is about the agent's screen.)
    agent.get_by_role("button", name="Back to Inbox").click()  # the server still knows the unsaved changes
    leave = agent.get_by_role("alertdialog", name="Leave without saving?")
    expect(leave).to_be_visible()
    leave.get_by_role("button", name="Keep editing").click()

    redis_client.flushdb()
    # Flushed again: the next event rebuilds the screen and its draft from what the worker holding the socket
    # keeps for the tab (a reload may reach the other worker, which never knew them: README, limits).
    row_saying(agent, "Flush test").click()
    expect(screen.get_by_test_id("order-edit-line").first.get_by_role("spinbutton")).to_have_value(wanted)
    expect(screen.get_by_text("Unsaved changes")).to_be_visible()
    shot(agent, "order-edit-after-flush")
    screen.get_by_role("button", name="Cancel", exact=True).click()
    leave.get_by_role("button", name="Discard changes").click()
    agent.get_by_role("button", name="Back to Inbox").click()
    expect(agent.get_by_test_id("conversation")).to_contain_text("Flush test: one more of the first item.")
    wrap_up(agent)
    sign_out(agent)
