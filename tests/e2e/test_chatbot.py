"""Chatbot transcripts end to end: the retailer's bot posts a signed transcript for Ellen Smith; when her next
chat is opened the agent sees it in her history with its summary and sentiment, and Wrap Up on her returns
question comes with a returns category pre-selected and marked Suggested."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

from playwright.sync_api import Browser, expect

from tests.e2e.helpers import customer_says, row_saying, set_available, sign_in, sign_out, signed_chat_url, wrap_up

BOT_SECRET = "sophias-bot-secret"  # the demo's chatbot secret for Sophia's


_LATE_QUESTION = [("customer", "Do you still have the Lisbon ankle boots in size 39?"),
                  ("bot", "Yes, size 39 is in stock in black and in tan."),
                  ("customer", "Great, thank you so much, that is really helpful!")]


def _transcript(turns: list | None = None, hours_ago: float = 2) -> dict:
    started = datetime.now(timezone.utc) - timedelta(hours=hours_ago)  # relative: any day the test runs
    turns = turns or [("customer", "Hi"), ("bot", "Hello Ellen! How can I help you today?"),
             ("customer", "My order SO-1042 was meant to arrive on Monday and the tracking has not moved since. "
                          "This is really frustrating."),
             ("bot", "I am sorry about the wait. The parcel is held at the carrier depot and is now scheduled for "
                     "delivery on Friday."),
             ("customer", "Friday is too late, I needed it for a trip. Very disappointing."),
             ("bot", "I understand. I have refunded the express shipping fee to your card.")]
    return {"organization": "sophias", "customer_external_id": "ellen-smith", "conversation_id": uuid.uuid4().hex,
            "started_at": started.isoformat(), "ended_at": (started + timedelta(minutes=6)).isoformat(),
            "turns": [{"author": author, "text": text, "at": (started + timedelta(minutes=n)).isoformat()}
                      for n, (author, text) in enumerate(turns)]}


def _post(base_url: str, payload: dict, secret: str = BOT_SECRET) -> tuple[int, dict]:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"{base_url}/api/chatbot/transcripts", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "X-Inbox-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as answer:
        return answer.code, json.loads(answer.read())


def test_a_bot_transcript_shows_in_history_and_wrap_up_suggests_the_category(browser: Browser, base_url, shot):
    transcript = _transcript()
    assert _post(base_url, transcript, secret="forged")[0] == 401
    status, answer = _post(base_url, transcript)
    assert (status, answer["result"]) == (201, "stored")
    assert _post(base_url, transcript)[1]["result"] == "duplicate"  # the bot's retry stores nothing new

    agent = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    customer = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    customer.goto(signed_chat_url(base_url))
    customer.get_by_role("button", name="Start chat").click()
    customer_says(customer, "Hi again, the ankle boots I got are too small. How do I return them for a refund?")

    row_saying(agent, "How do I return them for a refund?").click()
    conversation = agent.get_by_test_id("conversation")
    bot_chat = conversation.get_by_test_id("chatbot-transcript")
    expect(bot_chat).to_have_count(1)
    expect(bot_chat).to_have_attribute("data-sentiment", "negative")
    expect(bot_chat.get_by_test_id("chatbot-summary")).to_contain_text("tracking has not moved")
    expect(bot_chat.get_by_test_id("chatbot-summary")).to_contain_text("auto-generated")
    expect(bot_chat.get_by_test_id("message").filter(has_text="refunded the express shipping fee")) \
        .to_have_attribute("data-author", "bot")
    expect(bot_chat.locator('[data-testid="message"][data-author="customer"]')).to_have_count(3)
    texts = conversation.get_by_test_id("message").all_inner_texts()
    assert next(i for i, t in enumerate(texts) if "carrier depot" in t) \
        < next(i for i, t in enumerate(texts) if "the ankle boots I got are too small" in t)  # in its place
    bot_chat.get_by_test_id("chatbot-summary").scroll_into_view_if_needed()
    agent.wait_for_timeout(300)
    shot(agent, "history-with-transcript")

    # While her chat is open, the bot sends another finished conversation: it joins her open case as a closed
    # interaction, shows in the agent's history at once, and Case Details lists its summary.
    assert _post(base_url, _transcript(_LATE_QUESTION, hours_ago=0.1))[0] == 201
    expect(conversation.get_by_test_id("chatbot-transcript")).to_have_count(2)
    agent.get_by_role("button", name="Case Details").click()
    case = agent.get_by_role("dialog", name="Case Details")
    expect(case.get_by_test_id("case-chatbot-summary")).to_have_count(1)
    expect(case.get_by_test_id("case-chatbot-summary")).to_contain_text("size 39")
    expect(case.get_by_test_id("case-chatbot-summary")).to_have_attribute("data-sentiment", "positive")
    agent.keyboard.press("Escape")
    expect(case).to_have_count(0)

    agent.get_by_role("button", name="Wrap Up").click()
    dialog = agent.get_by_role("dialog", name="Wrap Up")
    expect(dialog.get_by_text("Suggested", exact=True)).to_be_visible()
    expect(dialog.get_by_label("Category", exact=True)).to_have_value("Order")
    expect(dialog.get_by_label("Subcategory")).to_have_value("Return")
    agent.wait_for_timeout(300)  # the dialog's opening animation
    shot(agent, "wrap-up-suggested")
    dialog.get_by_label("Category", exact=True).select_option("Product")  # the agent can change it
    expect(dialog.get_by_text("Suggested", exact=True)).to_have_count(0)
    dialog.get_by_role("button", name="Cancel").click()
    wrap_up(agent, "Order", "Return")
    sign_out(agent)
