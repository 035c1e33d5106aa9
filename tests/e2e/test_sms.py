"""SMS end to end: Twilio posts a signed inbound SMS, the agent sees it in the panel, answers, the reply reaches
Twilio's stand-in from the number written to with our status callback URL, and the stand-in's signed status
callback moves the message's data-status in the agent's browser."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from playwright.sync_api import Browser, expect

from tests.e2e import axe
from tests.e2e.helpers import (available_agent_and_customer, customer_says, row_saying, set_available, sign_in,
                               sign_out, start_chat, wrap_up)
from tests.fakes.twilio_api import inbound_fields, signed, wait_for_sms

SOPHIAS_SMS = "+15005550006"  # TWILIO_SMS_FROM of the end-to-end app: the demo gives it to Sophia's
SOPHIAS_WHATSAPP = "+14155238886"  # and TWILIO_WHATSAPP_FROM
CUSTOMER = "+14155550142"


def _post(base_url: str, path: str, fields: dict, token: str) -> int:
    body, headers = signed(token, base_url + path, fields)  # the app's PUBLIC_BASE_URL is base_url
    request = urllib.request.Request(base_url + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as answer:
        return answer.code


def test_an_sms_reaches_the_agent_and_the_reply_reaches_twilio_with_live_status(browser: Browser, base_url,
                                                                                twilio_api, shot):
    agent = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)

    sms = inbound_fields(sid="SMe2e0001", from_=CUSTOMER, to=SOPHIAS_SMS, body="Hi! Is my order on its way?",
                         account_sid=twilio_api.account_sid)
    assert _post(base_url, "/webhooks/twilio/messages", {**sms, "Body": "forged"}, "not-the-token") == 403
    assert _post(base_url, "/webhooks/twilio/messages", sms, twilio_api.auth_token) == 200
    assert _post(base_url, "/webhooks/twilio/messages", sms, twilio_api.auth_token) == 200  # Twilio's retry

    row = row_saying(agent, "Is my order on its way?")
    expect(row).to_have_attribute("data-channel", "sms")
    expect(row).to_have_attribute("data-unread", "true")
    expect(row.get_by_test_id("customer-name")).to_have_text(CUSTOMER)
    expect(row).to_contain_text("(Unverified)")
    expect(agent.get_by_test_id("interaction-row").filter(has_text="forged")).to_have_count(0)
    row.click()
    expect(agent.get_by_test_id("message").filter(has_text="Is my order on its way?")).to_have_count(1)

    sent_before = len(twilio_api.messages)
    agent.get_by_test_id("message-box").fill("Yes, it ships today. Track it at sophias.example/t/1042 €")
    expect(agent.get_by_test_id("sms-segments")).to_have_text("1 SMS segment (GSM-7)")
    shot(agent, "sms-typing")
    agent.get_by_role("button", name="Send").click()

    posted = wait_for_sms(twilio_api, CUSTOMER, after=sent_before)
    assert (posted["From"], posted["Body"]) == (SOPHIAS_SMS, "Yes, it ships today. Track it at sophias.example/t/1042 €")
    assert posted["StatusCallback"] == f"{base_url}/webhooks/twilio/status"
    reply = agent.get_by_test_id("message").filter(has_text="Yes, it ships today.")
    expect(reply).to_have_attribute("data-status", "sent")

    assert twilio_api.report_status(posted, "delivered") == 204
    expect(reply).to_have_attribute("data-status", "delivered")
    expect(reply).to_contain_text("Delivered")
    assert twilio_api.report_status(posted, "sent") == 204  # late and out of order: ignored
    shot(agent, "sms-conversation")
    expect(reply).to_have_attribute("data-status", "delivered")

    wrap_up(agent)
    sign_out(agent)


def test_a_whatsapp_template_is_sent_from_the_composer(browser: Browser, base_url, twilio_api, shot):
    """Inside the 24 hours the agent may write freely; the approved template goes out by its content SID."""
    agent = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    customer = "+14155550143"
    message = inbound_fields(sid="SMe2e0002", from_=f"whatsapp:{customer}", to=f"whatsapp:{SOPHIAS_WHATSAPP}",
                             body="Hello from WhatsApp.", account_sid=twilio_api.account_sid)
    assert _post(base_url, "/webhooks/twilio/messages", message, twilio_api.auth_token) == 200
    row = row_saying(agent, "Hello from WhatsApp.")
    expect(row).to_have_attribute("data-channel", "whatsapp")
    row.click()
    expect(agent.get_by_test_id("whatsapp-window-closed")).to_have_count(0)  # the customer just wrote

    agent.get_by_role("button", name="WhatsApp template").click()
    dialog = agent.get_by_role("dialog", name="WhatsApp template")
    dialog.get_by_label("Template").select_option("Order update")
    dialog.get_by_label("Value 1").fill("SO-1042")
    assert axe.violations(agent) == [], axe.report(axe.violations(agent))
    shot(agent, "whatsapp-template")
    sent_before = len(twilio_api.messages)
    dialog.get_by_role("button", name="Send template").click()
    expect(dialog).to_be_hidden()

    posted = wait_for_sms(twilio_api, f"whatsapp:{customer}", after=sent_before)
    assert posted["From"] == f"whatsapp:{SOPHIAS_WHATSAPP}" and "Body" not in posted
    assert json.loads(posted["ContentVariables"]) == {"1": "SO-1042"}
    expect(agent.get_by_test_id("message").filter(has_text="news about your order SO-1042")).to_have_attribute(
        "data-status", "sent")
    wrap_up(agent)
    sign_out(agent)


def test_a_chat_is_answered_by_sms_with_reply_via(browser: Browser, base_url, twilio_api):
    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, "Dana", "Reyes", phone="+1 415 555 0144")
    customer_says(customer, "Could you text me the tracking link?")
    row_saying(agent, "Could you text me the tracking link?").click()
    agent.get_by_label("Reply via").select_option("sms")
    sent_before = len(twilio_api.messages)
    agent.get_by_test_id("message-box").fill("Here it is: sophias.example/t/2001")
    expect(agent.get_by_test_id("sms-segments")).to_have_text("1 SMS segment (GSM-7)")
    agent.get_by_role("button", name="Send").click()
    posted = wait_for_sms(twilio_api, "+14155550144", after=sent_before)
    assert (posted["From"], posted["Body"]) == (SOPHIAS_SMS, "Here it is: sophias.example/t/2001")
    expect(agent.get_by_test_id("message").filter(has_text="sophias.example/t/2001")).to_contain_text("via SMS")
    expect(customer.get_by_test_id("message").filter(has_text="sophias.example/t/2001")).to_have_count(0)
    wrap_up(agent)
    sign_out(agent)


def test_a_manager_sees_and_keeps_sophias_numbers(browser: Browser, base_url):
    manager = browser.new_context().new_page()
    sign_in(manager, base_url, "maria")
    manager.goto(f"{base_url}/settings/organizations")
    sophias = manager.get_by_test_id("organization-settings").filter(has_text="Sophia's")
    expect(sophias.get_by_label("SMS number")).to_have_value(SOPHIAS_SMS)
    expect(sophias.get_by_label("WhatsApp number")).to_have_value(SOPHIAS_WHATSAPP)
    sophias.get_by_label("SMS number").fill("5550006")
    sophias.get_by_role("button", name="Save Sophia's").click()
    expect(manager.get_by_role("alert")).to_contain_text("country code")
    manager.reload()
    expect(sophias.get_by_label("SMS number")).to_have_value(SOPHIAS_SMS)  # the refused number changed nothing
    manager.context.close()


def test_bold_arrives_bold_in_the_live_chat_and_plain_by_sms(browser: Browser, base_url, twilio_api, shot):
    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, "Noor", "Haddad", phone="+1 415 555 0146")
    customer_says(customer, "Has my refund for SO-1042 gone through?")
    row_saying(agent, "Has my refund for SO-1042 gone through?").click()

    box = agent.get_by_test_id("message-box")  # chat: the formatted box, driven from the keyboard
    box.click()
    agent.keyboard.press("Control+b")
    agent.keyboard.type("Refund approved")
    agent.keyboard.press("Control+b")
    agent.keyboard.type(" for SO-1042.")
    agent.keyboard.press("Enter")
    agent.keyboard.press("Control+Shift+8")
    agent.keyboard.type("Back on your card within 3 days")
    expect(box.locator("b, strong")).to_have_text("Refund approved")
    expect(box.locator("li")).to_have_text("Back on your card within 3 days")
    shot(agent, "formatted-message-box")
    box.press("Control+Enter")

    for page in (customer, agent):  # bold in the customer's Live Chat and in the agent's timeline, never as tags
        sent = page.get_by_test_id("message").filter(has_text="Refund approved")
        expect(sent.locator("b, strong")).to_have_text("Refund approved")
        expect(sent.locator("li")).to_have_text("Back on your card within 3 days")
        expect(sent).not_to_contain_text("<b>")
    shot(customer, "formatted-live-chat")

    box.click()
    agent.get_by_role("button", name="Bold").click()
    agent.keyboard.type("Tracking")
    agent.get_by_role("button", name="Bold").click()
    agent.keyboard.type(" sophias.example/t/3001")
    expect(box.locator("b, strong")).to_have_text("Tracking")
    agent.get_by_label("Reply via").select_option("sms")
    # SMS goes as plain text: the box becomes the plain one and shows what the customer will receive.
    expect(agent.get_by_role("button", name="Bold")).to_have_count(0)
    expect(agent.locator("textarea[data-testid=message-box]")).to_have_value("Tracking sophias.example/t/3001")
    sent_before = len(twilio_api.messages)
    agent.get_by_role("button", name="Send").click()
    posted = wait_for_sms(twilio_api, "+14155550146", after=sent_before)
    assert posted["Body"] == "Tracking sophias.example/t/3001"
    wrap_up(agent)
    sign_out(agent)


def test_a_link_is_made_from_the_keyboard_and_only_safe_addresses_survive(browser: Browser, base_url):
    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, "Lin", "Kay", "lin.kay@example.com")
    customer_says(customer, "Where can I track it?")
    row_saying(agent, "Where can I track it?").click()

    box = agent.get_by_test_id("message-box")
    for words, address in (("Track your parcel", "https://sophias.example/t/1042"),
                           ("Click for a prize", "javascript:alert(document.cookie)")):
        box.click()
        agent.keyboard.type(words)
        agent.keyboard.press("Control+a")  # the words, inside the box
        agent.once("dialog", lambda dialog, address=address: dialog.accept(address))
        agent.keyboard.press("Control+k")
        expect(box.locator("a")).to_have_text(words)
        box.press("Control+Enter")
        expect(box).to_have_text("")

    safe = customer.get_by_test_id("message").filter(has_text="Track your parcel").locator("a")
    expect(safe).to_have_attribute("href", "https://sophias.example/t/1042")
    expect(safe).to_have_attribute("rel", "noopener noreferrer nofollow")
    unsafe = customer.get_by_test_id("message").filter(has_text="Click for a prize")
    expect(unsafe).to_be_visible()
    expect(unsafe.locator("a[href]")).to_have_count(0)  # the server dropped the javascript: address
    wrap_up(agent)
    sign_out(agent)
