"""Inbound email end to end: a mail APPENDed to the real dovecot mailbox the app polls reaches the agent's panel as
an email row (no last sentence), and the conversation shows it as inert text, whatever its HTML tried."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import set_available, sign_in, sign_out, wrap_up
from tests.mail.messages import email

HOSTILE_HTML = ('<p onmouseover="window.__pwned=1">Hello, my parcel never came.</p>'
                '<script>window.__pwned=2</script><img src="https://tracker.example/p.gif" onerror="window.__pwned=3">')


def test_an_appended_email_reaches_the_agent_inert(browser: Browser, base_url, imap_server, shot):
    if imap_server is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; .ci/run does it)")
    agent = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)

    imap_server.append(email(message_id="<e2e-1@example.com>", from_="Pat Jones <pat.jones@example.com>",
                             subject="Missing parcel", text="Hello, my parcel never came.", html=HOSTILE_HTML))
    row = agent.get_by_test_id("interaction-row").filter(has_text="pat.jones@example.com").or_(
        agent.get_by_test_id("interaction-row").filter(has_text="Pat Jones"))
    expect(row).to_have_count(1, timeout=20_000)
    expect(row).to_have_attribute("data-channel", "email")
    expect(row.get_by_test_id("last-sentence")).to_have_count(0)
    expect(row).to_contain_text("(Unverified)")
    row.click()
    message = agent.get_by_test_id("message").filter(has_text="my parcel never came")
    expect(message).to_have_count(1)
    expect(message).to_have_attribute("data-author", "customer")
    expect(message.locator("script, img, iframe, [onmouseover]")).to_have_count(0)
    message.hover()
    assert agent.evaluate("window.__pwned === undefined")
    shot(agent, "email-conversation")
    agent.screenshot(path="/tmp/email_conversation.png")

    wrap_up(agent)
    sign_out(agent)
