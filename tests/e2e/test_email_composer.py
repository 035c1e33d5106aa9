"""Reply via Email from a chat, in Chromium: the composer opens with To and the case's subject, a bad Cc is named
and nothing is sent, the formatted email reaches the SMTP server as HTML and text with its Cc, the timeline says
"via Email", and the agent switches back to Chat and the customer sees the next message live."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests import files
from tests.e2e.helpers import (attach, available_agent_and_customer, customer_says, row_saying, sign_out, start_chat,
                               wrap_up)


def test_a_chat_is_answered_by_email_then_by_chat_again(browser: Browser, base_url, smtp_server, shot):
    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, "Priya", "Shah", email="priya.shah@example.com")
    customer_says(customer, "Could you email me the return label?")
    row_saying(agent, "Could you email me the return label?").click()

    agent.get_by_label("Reply via").select_option("email")
    composer = agent.get_by_test_id("email-composer")
    expect(composer.get_by_label("To")).to_have_value("priya.shah@example.com")
    expect(composer.get_by_label("Subject")).to_have_value(re.compile(r"^Your Sophia's case \[Case #\d+\]$"))
    expect(agent.get_by_test_id("quick-response")).to_have_count(0)  # no chips for email
    body = agent.get_by_test_id("email-body")
    body.click()
    agent.keyboard.press("Control+b")
    agent.keyboard.type("Your return label")
    agent.keyboard.press("Control+b")
    agent.keyboard.type(" is below. Print it and drop the parcel at any post office.")
    attach(agent, ("return-label.pdf", "application/pdf", files.pdf()))
    expect(agent.get_by_test_id("pending-attachment")).to_contain_text("return-label.pdf")
    composer.get_by_label("Cc").fill("returns@")
    sent_before = len(smtp_server.messages)
    agent.get_by_role("button", name="Send").click()
    expect(agent.get_by_role("alert")).to_contain_text("Cc: “returns@” is not a valid email address.")
    composer.get_by_label("Cc").fill("returns@sophias.example")
    shot(agent, "email-composer")
    agent.get_by_role("button", name="Send").click()
    expect(body).to_have_text("")

    sent = smtp_server.wait_for("priya.shah@example.com", after=sent_before)
    assert sent["Cc"] == "returns@sophias.example" and sent["Subject"].startswith("Your Sophia's case [Case #")
    assert sent["Reply-To"].startswith("care+i") and sent["Reply-To"].endswith("@sophias.example")  # signed token
    assert sent.get_content_type() == "multipart/mixed"  # the text and HTML alternatives, then the file
    text = sent.get_body(preferencelist=("plain",)).get_content()
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "Your return label is below." in text and "<b>Your return label</b>" in html
    [label] = list(sent.iter_attachments())
    assert label.get_filename() == "return-label.pdf" and label.get_payload(decode=True) == files.pdf()
    mine = agent.get_by_test_id("message").filter(has_text="Your return label")
    expect(mine).to_contain_text("via Email")
    expect(mine.locator("b, strong")).to_have_text("Your return label")

    agent.get_by_label("Reply via").select_option("chat")  # the chat is still live: back to it
    expect(agent.get_by_test_id("email-composer")).to_have_count(0)
    box = agent.get_by_test_id("message-box")
    box.fill("I have emailed you the label just now.")
    box.press("Control+Enter")
    expect(customer.get_by_test_id("message").filter(has_text="emailed you the label")).to_have_attribute(
        "data-author", "agent")
    # The chat has caught up with everything sent before: the email never showed in it.
    expect(customer.get_by_test_id("message").filter(has_text="Your return label")).to_have_count(0)
    wrap_up(agent)
    sign_out(agent)
