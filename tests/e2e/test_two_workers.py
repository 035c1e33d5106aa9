"""With REDIS_URL, a message handled by one backend process reaches a browser connected to another."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import customer_says, row_for, set_available, sign_in, sign_out, start_chat
from tests.e2e.server import AppServer, app_env, free_port, second_checkout


@pytest.fixture(scope="module")
def second_worker(app_server, e2e_database, redis_url, tmp_path_factory):
    if not redis_url or not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("needs the real Redis and PostgreSQL")
    workdir = second_checkout(tmp_path_factory.mktemp("worker2"))
    server = AppServer(workdir, free_port(), app_env(e2e_database, redis_url), ARTIFACTS / "app-worker2.log").start()
    yield server
    server.stop()


def test_customer_on_one_worker_and_agent_on_another(browser: Browser, app_server, second_worker):
    agent = browser.new_context().new_page()
    customer = browser.new_context().new_page()
    sign_in(agent, app_server.url, "bob")
    set_available(agent)
    start_chat(customer, second_worker.url, "Wes", "Tworker", "wes@example.com")
    row = row_for(agent, "Wes Tworker")
    expect(row).to_be_visible()
    row.click()
    customer_says(customer, "Hello from the other worker")
    expect(agent.get_by_test_id("message").filter(has_text="Hello from the other worker")).to_be_visible()
    agent.get_by_test_id("message-box").fill("And hello back across processes")
    agent.get_by_role("button", name="Send").click()
    expect(customer.get_by_test_id("message").filter(has_text="hello back across processes")).to_be_visible()
    sign_out(agent)
