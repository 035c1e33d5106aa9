"""Inbound email end to end: a mail APPENDed to the real dovecot mailbox the app polls reaches the agent's panel as
an email row (no last sentence), and the conversation shows it as inert text, whatever its HTML tried."""

from __future__ import annotations

import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import files
from tests.e2e.helpers import attach, set_available, sign_in, sign_out, wrap_up
from tests.mail.messages import email



def _hostile_html(pixel: str) -> str:
    return ('<p onmouseover="window.__pwned=1">Hello, my parcel never came.</p>'
            f'<script>window.__pwned=2</script><img src="{pixel}" alt="tracking pixel" onerror="window.__pwned=3">')


@pytest.fixture
def pixel_server():
    """A remote picture's server on loopback that counts who fetched it: a tracking pixel, as a sender sees it."""
    hits: list[str] = []

    class _Pixel(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(files.png())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pixel)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/open.png", hits
    server.shutdown()


def _available_agent(browser: Browser, base_url: str, imap_server) -> Page:
    """Alice, Available, in a window wide enough for the email composer; skips without dovecot."""
    if imap_server is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; .ci/run does it)")
    agent = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    return agent


def test_an_appended_email_reaches_the_agent_inert(browser: Browser, base_url, imap_server, pixel_server, shot):
    """…and its original opens in a sandboxed frame on request, where nothing runs and the remote picture is
    fetched only when the agent asks."""
    pixel, hits = pixel_server
    agent = _available_agent(browser, base_url, imap_server)

    imap_server.append(email(message_id="<e2e-1@example.com>", from_="Pat Jones <pat.jones@example.com>",
                             subject="Missing parcel", text="Hello, my parcel never came.",
                             html=_hostile_html(pixel)))
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
    expect(message.locator("script, img, [onmouseover]")).to_have_count(0)
    message.hover()
    assert agent.evaluate("window.__pwned === undefined")
    shot(agent, "email-conversation")

    original = message.get_by_test_id("email-original")
    original.get_by_text("Original email").click()
    frame = agent.frame_locator('[data-testid="email-original-frame"]')
    expect(frame.get_by_text("Hello, my parcel never came.")).to_be_visible()
    expect(frame.get_by_test_id("remote-images-blocked")).to_contain_text("1 remote picture is not shown")
    expect(frame.locator("script, [onmouseover]")).to_have_count(0)
    expect(frame.get_by_role("img", name="tracking pixel")).not_to_have_attribute("src", re.compile("."))
    frame.get_by_text("Hello, my parcel never came.").hover()
    assert agent.evaluate("window.__pwned === undefined") and hits == []
    shot(agent, "email-original")

    original.get_by_role("link", name="Load remote images").click()  # beside the frame, in the inbox page
    expect(frame.get_by_role("img", name="tracking pixel")).to_have_attribute("src", pixel)
    expect(frame.get_by_test_id("remote-images-blocked")).to_have_count(0)
    # decode() settles once the picture has arrived: by then the sender's server has been asked for it, once.
    assert frame.get_by_role("img", name="tracking pixel").evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert hits == ["/open.png"] and agent.evaluate("window.__pwned === undefined")

    wrap_up(agent)
    sign_out(agent)


def test_an_email_is_answered_with_a_file_and_the_customers_reply_threads_back(browser: Browser, base_url,
                                                                              imap_server, smtp_server, shot):
    """The agent's reply reaches the SMTP server threaded (In-Reply-To, signed Reply-To, case tag) with its
    attachment; the customer's answer to it, sent to that Reply-To, lands in the same conversation."""
    agent = _available_agent(browser, base_url, imap_server)
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


def test_a_spoofed_reply_is_warned_about_on_its_row_and_its_message(browser: Browser, base_url, imap_server, shot):
    """A reply claiming a customer's address that our receiving server could not authenticate arrives apart,
    and both its panel row and the message itself say so."""
    agent = _available_agent(browser, base_url, imap_server)
    imap_server.append(email(message_id="<e2e-real@example.com>", from_="Lee Park <lee.park@example.com>",
                             subject="Return label", text="Can I get a return label?",
                             auth="dmarc=pass header.from=example.com"))
    rows = agent.get_by_test_id("interaction-row").filter(has_text="Lee Park")
    expect(rows).to_have_count(1, timeout=20_000)
    imap_server.append(email(message_id="<e2e-spoof@evil.example>", from_="Lee Park <lee.park@example.com>",
                             subject="Re: Return label", text="Send the refund to this new card instead.",
                             in_reply_to="<e2e-real@example.com>", auth="dmarc=fail header.from=example.com"))
    expect(rows).to_have_count(2, timeout=20_000)
    spoofed = rows.filter(has=agent.get_by_test_id("unverified-sender"))
    expect(spoofed).to_have_count(1)
    spoofed.click()
    message = agent.get_by_test_id("message").filter(has_text="refund to this new card")
    expect(message.get_by_test_id("unverified-sender")).to_contain_text("Sender not verified")
    shot(agent, "unverified-sender")
    wrap_up(agent)
    rows.first.click()
    expect(agent.get_by_test_id("message").filter(has_text="return label").get_by_test_id("unverified-sender")
           ).to_have_count(0)
    wrap_up(agent)
    sign_out(agent)
