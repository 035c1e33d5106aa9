"""Attachments end to end: a picture the customer attaches in the Live Chat shows as a thumbnail to the agent
and opens in a new tab; the agent's PDF reaches the customer; refused files name the rule; /_upload refuses
a body larger than the rules allow before reading it."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from playwright.sync_api import Browser, expect

from tests import files
from tests.e2e.helpers import (attach, available_agent_and_customer, customer_says, row_for, row_saying, set_available,
                               sign_in, start_chat, wrap_up)
from tests.e2e.test_sms import SOPHIAS_SMS, _post
from tests.fakes.twilio_api import inbound_fields


def test_a_picture_from_the_chat_reaches_the_agent_and_a_pdf_goes_back(browser: Browser, base_url, shot):
    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, "Gwen", "Attach", email="gwen.attach@example.com")
    customer_says(customer, "My parcel arrived broken")

    attach(customer, ("broken-box.png", "image/png", files.png((1200, 900))))
    expect(customer.get_by_test_id("pending-attachment")).to_contain_text("broken-box.png")
    customer.get_by_test_id("message-box").fill("Here is a photo")
    customer.get_by_role("button", name="Send").click()
    expect(customer.get_by_test_id("pending-attachment")).to_have_count(0)
    expect(customer.get_by_test_id("attachment-thumbnail")).to_be_visible()

    row_for(agent, "Gwen Attach").click()
    thumbnail = agent.get_by_test_id("message").filter(has_text="Here is a photo").get_by_test_id("attachment-thumbnail")
    expect(thumbnail).to_be_visible()
    agent.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    assert thumbnail.evaluate("img => img.naturalWidth") == 320  # the thumbnail, not the 1200 px original
    with agent.context.expect_page() as opened:
        agent.get_by_test_id("message").filter(has_text="Here is a photo").get_by_test_id("attachment").click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url.endswith("/broken-box.png")
    assert tab.evaluate("() => document.contentType") == "image/png"
    tab.close()
    shot(agent, "agent-sees-thumbnail")

    attach(agent, ("return-label.pdf", "application/pdf", files.pdf()))
    pending = agent.get_by_test_id("pending-attachment")
    expect(pending).to_contain_text("return-label.pdf")
    shot(agent, "pending-attachment")
    agent.get_by_test_id("message-box").fill("Print this label, please")
    agent.get_by_role("button", name="Send").click()
    expect(pending).to_have_count(0)

    link = customer.get_by_test_id("message").filter(has_text="Print this label").get_by_test_id("attachment")
    expect(link).to_contain_text("return-label.pdf")
    expect(link).to_have_attribute("target", "_blank")
    answer = customer.request.get(base_url + link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.body() == files.pdf() and answer.headers["x-content-type-options"] == "nosniff"
    shot(customer, "customer-gets-pdf")
    # The customer's signed link is no agent's: without it the file is not there.
    assert customer.request.get(base_url + link.get_attribute("href").split("?")[0]).status == 404
    wrap_up(agent)

    # Closed: from the Done tab, Case Details lists the case's files, and they are downloads now.
    agent.get_by_role("tab", name="Done").click()
    row_for(agent, "Gwen Attach").click()
    agent.get_by_role("button", name="Case Details").click()
    listed = agent.get_by_role("dialog", name="Case Details").get_by_test_id("attachment")
    expect(listed).to_have_count(2)
    expect(listed.nth(0)).to_contain_text("broken-box.png")
    expect(listed.nth(1)).to_contain_text("return-label.pdf")
    shot(agent, "case-details-attachments")
    download = agent.request.get(base_url + listed.nth(1).get_attribute("href"))
    assert download.status == 200 and download.headers["content-disposition"].startswith("attachment;")
    agent.keyboard.press("Escape")


def test_refused_files_name_the_rule_and_can_be_removed(browser: Browser, base_url, shot):
    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, "Hal", "Refused", email="hal.refused@example.com")
    customer_says(customer, "Can I send you files?")
    row_for(agent, "Hal Refused").click()

    attach(agent, ("invoice.png", "image/png", files.program()))
    expect(agent.get_by_test_id("attachment-error")).to_contain_text("not a file type we accept")
    attach(agent, ("notes.txt", "text/plain", files.html_page()))
    expect(agent.get_by_test_id("attachment-error")).to_contain_text("notes.txt is not a file type we accept")
    attach(agent, ("manual.pdf", "application/pdf", files.pdf(pad_to=5 * files.MIB + 1)))
    expect(agent.get_by_test_id("attachment-error")).to_contain_text("5 MB")
    attach(agent, *[(f"p{n}.png", "image/png", files.png((8, 8))) for n in range(6)])
    expect(agent.get_by_test_id("attachment-error")).to_contain_text("5 files")
    expect(agent.get_by_test_id("pending-attachment")).to_have_count(0)
    shot(agent, "attachment-refused")

    attach(agent, ("a.png", "image/png", files.png((8, 8))), ("b.txt", "text/plain", files.text()))
    expect(agent.get_by_test_id("attachment-error")).to_have_count(0)
    expect(agent.get_by_test_id("pending-attachment")).to_have_count(2)
    agent.get_by_test_id("pending-attachment").filter(has_text="a.png").get_by_role("button", name="Remove").click()
    expect(agent.get_by_test_id("pending-attachment")).to_have_count(1)
    expect(agent.get_by_test_id("pending-attachment")).to_contain_text("b.txt")
    wrap_up(agent)


def test_a_picture_sent_by_sms_is_fetched_and_shown_to_the_agent(browser: Browser, base_url, twilio_api, shot):
    agent = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    media = twilio_api.add_media(files.jpg((1024, 768)), "image/jpeg", message_sid="MMe2epicture")
    sms = inbound_fields(sid="SMe2epicture", from_="+14155550177", to=SOPHIAS_SMS, body="The box, as it came",
                         account_sid=twilio_api.account_sid, NumMedia="1", MediaUrl0=media,
                         MediaContentType0="image/jpeg")
    assert _post(base_url, "/webhooks/twilio/messages", sms, twilio_api.auth_token) == 200

    row_saying(agent, "The box, as it came").click()
    message = agent.get_by_test_id("message").filter(has_text="The box, as it came")
    expect(message.get_by_test_id("attachment-thumbnail")).to_be_visible()
    expect(message).to_have_attribute("data-status", "received")
    assert twilio_api.credentials_leaked == 0
    shot(agent, "sms-picture")
    wrap_up(agent)


def test_the_upload_endpoint_refuses_a_body_larger_than_the_rules_allow(base_url):
    """Declared larger than five files of 5 MB: refused on the headers, before a byte of the body is sent."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.putrequest("POST", "/_upload")
    for name, value in {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(27 * 1024 * 1024),
                        "reflex-client-token": "t", "reflex-event-handler": "h"}.items():
        connection.putheader(name, value)
    connection.endheaders()
    answer = connection.getresponse()
    assert answer.status == 413 and b"larger than the attachment rules allow" in answer.read()
    connection.close()
