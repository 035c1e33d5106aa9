"""End-to-end fixtures: the app built and started once per run, and Debian's Chromium for Playwright."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.server import ROOT, AppServer, app_env, flush_redis, free_port, fresh_database
from tests.fakes.smtp import SmtpServer
from tests.fakes.twilio_api import TwilioStandIn

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic"]


def pytest_configure(config):
    # Assertions retry until this long: a push crosses Redis and another worker on a shared two-core machine.
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory) -> str:
    return fresh_database(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="module", autouse=True)
def _inboxes_emptied_after_each_module(e2e_database):
    """Each test file starts with empty inboxes. A chat a file leaves open would otherwise bounce between the
    agents (its SOP runs on) and fill a later file's agent's capacity or panel; within a file, tests keep
    what they share (the accessibility scene)."""
    yield
    from datetime import datetime, timezone

    from services.db import sync_url

    engine = create_engine(sync_url(e2e_database))
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(text("UPDATE interaction SET state = 'closed', closed_at = :now, bounce_due_at = NULL "
                          "WHERE state <> 'closed'"), {"now": now})
        conn.execute(text("UPDATE \"case\" SET status = 'closed', closed_at = :now WHERE status = 'open'"), {"now": now})
        conn.execute(text("UPDATE transferrequest SET status = 'abandoned', settled_at = :now WHERE status = 'pending'"),
                     {"now": now})
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    url = os.environ.get("TEST_REDIS_URL")
    flush_redis(url)
    return url


@pytest.fixture(scope="session")
def smtp_server():
    """The mailbox the app sends passcodes to: a real SMTP server on loopback."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def twilio_api():
    """Where the app's twilio client sends SMS: a local stand-in of Twilio's Messages API."""
    stand_in = TwilioStandIn(account_sid="ACe2e", auth_token="e2e-token").start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="session")
def imap_server():
    """The mailbox the app polls for inbound email: a real dovecot (None when it is not installed: the email
    tests skip, the rest run)."""
    from tests.mail import dovecot

    if dovecot.DOVECOT is None:
        yield None
        return
    server = dovecot.start()
    yield server
    server.stop()


def _imap_env(server) -> dict:
    if server is None:
        return {}
    return {"IMAP_HOST": server.host, "IMAP_PORT": str(server.port), "IMAP_USERNAME": server.username,
            "IMAP_PASSWORD": server.password, "IMAP_SSL": "0", "IMAP_POLL_SECONDS": "1",
            "MAIL_AUTHSERV_ID": "mx.inbox.test"}


@pytest.fixture(scope="session")
def app_server(e2e_database, redis_url, smtp_server, twilio_api, imap_server, tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    env = app_env(e2e_database, redis_url, ATTACHMENTS_DIR=str(tmp_path_factory.mktemp("attachments")),
                  SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port),
                  SMTP_FROM="care@sophias.example.com", TWILIO_ACCOUNT_SID=twilio_api.account_sid,
                  TWILIO_AUTH_TOKEN=twilio_api.auth_token, TWILIO_SMS_FROM="+15005550006",
                  TWILIO_WHATSAPP_FROM="+14155238886",
                  TWILIO_API_BASE=twilio_api.base_url, **_imap_env(imap_server),
                  # The README's worked example of a team's own screen (tests/e2e/test_secondary_screens.py)
                  INBOX_SCREENS="inbox_app.screens.example_notes")
    server = AppServer(ROOT, free_port(), env, ARTIFACTS / "app.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def base_url(app_server) -> str:
    return app_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1360, "height": 860}}


@pytest.fixture
def shot(request):
    """Save a screenshot of a page under test-artifacts/, named after the test."""

    def _shot(page, name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path))
        return path

    return _shot
