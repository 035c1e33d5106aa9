"""Redis is coordination, not storage: losing its connections or its data loses nothing on screen."""

from __future__ import annotations

import pytest
import redis
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import agent_and_customer, customer_says, row_for, set_available, sign_in, sign_out, start_chat, wrap_up


@pytest.fixture
def redis_client(redis_url):
    if not redis_url:
        pytest.skip("needs the real Redis (TEST_REDIS_URL)")
    client = redis.from_url(redis_url)
    yield client
    client.close()


def _open_conversation(browser: Browser, base_url: str, first: str, last: str, email: str):
    agent, customer = agent_and_customer(browser)
    sign_in(agent, base_url, "alice")
    set_available(agent)
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
