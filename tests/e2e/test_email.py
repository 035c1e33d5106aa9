"""Inbound email end to end: a mail APPENDed to the real dovecot mailbox the app polls reaches the agent's panel as
an email row (no last sentence), and the conversation shows it as inert text, whatever its HTML tried."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests import files
from tests.e2e.helpers import attach, set_available, sign_in, sign_out, wrap_up
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
    expect(row.get_by_test_id("last-activity")).not_to_contain_text(":")  # a date, never a time, for email
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


def test_an_email_is_answered_with_a_file_and_the_customers_reply_threads_back(browser: Browser, base_url,
                                                                              imap_server, smtp_server, shot):
    """The agent's reply reaches the SMTP server threaded (In-Reply-To, signed Reply-To, case tag) with its
    attachment; the customer's answer to it, sent to that Reply-To, lands in the same conversation."""
    if imap_server is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; .ci/run does it)")
    agent = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    imap_server.append(email(message_id="<e2e-thread-1@example.com>", from_="Rosa Diaz <rosa.diaz@example.com>",
                             subject="Wrong size delivered", text="I ordered a 39 and got a 41."))
    row = agent.get_by_test_id("interaction-row").filter(has_text="Rosa Diaz")
    expect(row).to_have_count(1, timeout=20_000)
    row.click()
    composer = agent.get_by_test_id("email-composer")
    expect(composer.get_by_label("To")).to_have_value("rosa.diaz@example.com")
    expect(composer.get_by_label("Subject")).to_have_value(re.compile(r"^Re: Wrong size delivered \[Case #\d+\]$"))
    attach(agent, ("exchange-label.pdf", "application/pdf", files.pdf()))
    expect(agent.get_by_test_id("pending-attachment")).to_contain_text("exchange-label.pdf")
    agent.get_by_test_id("email-body").fill("Sorry about that. Print the label to send the 41 back.")
    sent_before = len(smtp_server.messages)
    agent.get_by_role("button", name="Send").click()

    sent = smtp_server.wait_for("rosa.diaz@example.com", after=sent_before)
    assert sent["In-Reply-To"] == "<e2e-thread-1@example.com>" and "<e2e-thread-1@example.com>" in sent["References"]
    assert sent["Reply-To"].startswith("care+") and sent["Subject"].startswith("Re: Wrong size delivered [Case #")
    [label] = list(sent.iter_attachments())
    assert label.get_filename() == "exchange-label.pdf"
    shot(agent, "email-reply-sent")

    imap_server.append(email(message_id="<e2e-thread-2@example.com>", from_="Rosa Diaz <rosa.diaz@example.com>",
                             to=sent["Reply-To"], subject=f"Re: {sent['Subject']}", text="Thanks, label printed.",
                             in_reply_to=sent["Message-ID"], references=sent["Message-ID"]))
    expect(agent.get_by_test_id("message").filter(has_text="Thanks, label printed.")).to_have_count(1, timeout=20_000)
    expect(agent.get_by_test_id("interaction-row").filter(has_text="Rosa Diaz")).to_have_count(1)  # same thread
    wrap_up(agent)
    sign_out(agent)
