"""The heart of the product, in two browser contexts: a customer's Live Chat and an agent's inbox."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.helpers import (available_agent_and_customer, customer_says, row_for, set_available, sign_in, sign_out,
                               signed_chat_url, start_chat, wrap_up)


def test_chat_is_routed_answered_wrapped_up_and_rated(browser: Browser, base_url, shot, smtp_server):
    agent, customer = available_agent_and_customer(browser, base_url)

    start_chat(customer, base_url, "Nora", "Quinn", "nora.quinn@example.com")
    row = row_for(agent, "Nora Quinn")
    expect(row).to_be_visible()  # routed and pushed, no reload
    expect(row).to_have_attribute("data-unread", "true")  # new, not yet selected
    expect(row).to_have_attribute("data-channel", "chat")
    expect(row.get_by_test_id("org-name")).to_have_text("Sophia's")
    expect(row).to_contain_text("(Unverified)")

    row.click()
    expect(row).to_have_attribute("data-unread", "false")  # selected: the dot clears
    customer_says(customer, "Hi! My parcel never arrived. Can you help?")
    expect(row).to_have_attribute("data-unread", "true")  # the customer spoke last
    expect(row.get_by_test_id("last-sentence")).to_have_text("Can you help?")
    expect(agent.get_by_test_id("conversation").get_by_test_id("message").filter(has_text="parcel never arrived")
           ).to_have_attribute("data-author", "customer")

    box = agent.get_by_test_id("message-box")
    box.fill("   ")
    box.press("Control+Enter")  # an empty message is not sent
    box.fill("Of course, let me research your request.")
    box.press("Control+Enter")
    expect(box).to_have_text("")  # the formatted box, emptied once sent
    expect(customer.get_by_test_id("message").filter(has_text="let me research")).to_have_attribute("data-author", "agent")
    expect(row).to_have_attribute("data-unread", "false")
    expect(agent.locator("[data-testid=message][data-author=agent]")).to_have_count(1)  # the blank one was not sent
    shot(agent, "conversation")

    customer.reload()  # a reload keeps the customer's conversation
    expect(customer.get_by_test_id("message").filter(has_text="parcel never arrived")).to_be_visible()
    shot(customer, "live-chat")

    customer.get_by_role("button", name="End chat").click()
    csat = customer.get_by_test_id("csat")
    expect(csat).to_be_visible()
    csat.get_by_role("button", name="4", exact=True).click()
    expect(customer.get_by_text("Thank you for your feedback!")).to_be_visible()
    expect(agent.get_by_test_id("message").filter(has_text="The customer ended the chat.")).to_be_visible()
    # The chat can no longer reach her; the address she gave can: the email composer takes over by itself.
    expect(agent.get_by_test_id("chat-ended")).to_have_text("The customer has ended the chat: replies go by email now.")
    expect(agent.get_by_test_id("email-composer").get_by_label("To")).to_have_value("nora.quinn@example.com")
    sent_before = len(smtp_server.messages)
    agent.get_by_test_id("email-body").fill("Are you still there? Here is what we found.")
    agent.get_by_role("button", name="Send").click()
    assert "Here is what we found." in smtp_server.wait_for("nora.quinn@example.com", after=sent_before).get_body(
        preferencelist=("plain",)).get_content()
    late = agent.get_by_test_id("message").filter(has_text="Are you still there?")
    expect(late).to_contain_text("via Email")

    agent.get_by_role("button", name="Wrap Up").click()
    dialog = agent.get_by_role("dialog", name="Wrap Up")
    expect(dialog.get_by_role("checkbox", name="Follow Up Required")).not_to_be_checked()
    # Wrap Up may pre-select a suggested category (issue 14): the agent clears it to submit without one.
    dialog.get_by_label("Category", exact=True).select_option("")
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog.get_by_text("Choose a category.")).to_be_visible()  # refused, nothing changed
    dialog.get_by_label("Category", exact=True).select_option("Order")
    dialog.get_by_label("Subcategory").select_option("Delivery status")
    dialog.get_by_label("Notes").fill("Parcel traced; customer informed.")
    shot(agent, "wrap-up")
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog).to_be_hidden()
    expect(row_for(agent, "Nora Quinn")).to_have_count(0)  # gone from Active

    agent.get_by_role("tab", name="Done").click()
    done_row = row_for(agent, "Nora Quinn")
    expect(done_row).to_be_visible()
    done_row.click()
    expect(agent.get_by_test_id("conversation").get_by_text("parcel never arrived")).to_be_visible()
    expect(agent.get_by_test_id("message-box")).to_have_count(0)  # read-only
    expect(agent.get_by_text("This interaction is closed and read-only.")).to_be_visible()
    shot(agent, "done")
    sign_out(agent)


def test_keyboard_moves_between_interactions_and_the_bell_counts_arrivals(browser: Browser, base_url, shot):
    agent, customer = available_agent_and_customer(browser, base_url)
    agent.goto(f"{base_url}/routing")  # away from the inbox
    expect(agent.get_by_test_id("bell")).to_have_attribute("data-count", "0")
    start_chat(customer, base_url, "Kim", "One", "kim.one@example.com")
    other = browser.new_context().new_page()
    start_chat(other, base_url, "Kim", "Two", "kim.two@example.com", org="janes")
    expect(agent.get_by_test_id("bell")).to_have_attribute("data-count", "2")  # pushed while away
    expect(agent.get_by_test_id("routing-decision").first).to_contain_text("Assigned to alice")
    shot(agent, "bell")

    agent.get_by_test_id("bell").click()
    agent.wait_for_url("**/inbox**")
    first, second = row_for(agent, "Kim One"), row_for(agent, "Kim Two")
    expect(second.get_by_test_id("org-name")).to_have_text("Jane's")  # one agent, two brands
    first.click()
    expect(first).to_have_attribute("aria-current", "true")
    first.press("ArrowDown")
    expect(second).to_have_attribute("aria-current", "true")
    expect(agent.get_by_test_id("customer-header")).to_contain_text("Kim Two")
    agent.keyboard.press("ArrowUp")
    expect(first).to_have_attribute("aria-current", "true")
    sign_out(agent)


def test_a_signed_identity_starts_a_verified_chat_and_a_bad_one_does_not(browser: Browser, base_url):
    customer = browser.new_context().new_page()
    customer.goto(f"{base_url}/chat/sophias?customer=ellen-smith&signature={'0' * 64}")
    expect(customer.get_by_label("First name")).to_be_visible()  # bad signature: the unverified form
    customer.goto(signed_chat_url(base_url))
    expect(customer.get_by_text("Hi Ellen Smith!")).to_be_visible()
    expect(customer.get_by_label("First name")).to_have_count(0)
    customer.get_by_role("button", name="Start chat").click()
    expect(customer.get_by_test_id("message-box")).to_be_visible()

    agent = browser.new_context().new_page()
    sign_in(agent, base_url, "bob")
    set_available(agent)
    row = row_for(agent, "Ellen Smith")
    expect(row.get_by_test_id("verified-badge")).to_be_visible()
    row.click()
    expect(agent.get_by_test_id("customer-header")).to_have_attribute("data-verified", "true")
    sign_out(agent)


def test_a_long_conversation_opens_and_stays_at_its_newest_message(browser: Browser, base_url):
    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, "Lena", "Longtalk", "lena.longtalk@example.com")
    row = row_for(agent, "Lena Longtalk")
    row.click()
    conversation = agent.get_by_test_id("conversation")
    first = conversation.get_by_test_id("message").filter(has_text="Line 01 of my long story")
    customer_says(customer, "Line 01 of my long story")
    expect(first).to_be_in_viewport()  # a short conversation starts at the top, in view
    for line in range(2, 31):
        customer_says(customer, f"Line {line:02d} of my long story")
    newest = conversation.get_by_test_id("message").filter(has_text="Line 30 of my long story")
    expect(newest).to_be_in_viewport()  # followed to the newest message as they arrived
    expect(first).not_to_be_in_viewport()
    expect(customer.get_by_test_id("message").filter(has_text="Line 30 of my long story")).to_be_in_viewport()

    agent.get_by_role("tab", name="Done").click()  # away and back: it opens again at the newest message
    agent.get_by_role("tab", name="Active").click()
    row_for(agent, "Lena Longtalk").click()
    expect(newest).to_be_in_viewport()
    agent.get_by_test_id("message-box").fill("I read all thirty lines.")
    agent.get_by_test_id("message-box").press("Control+Enter")
    expect(conversation.get_by_test_id("message").filter(has_text="I read all thirty lines.")).to_be_in_viewport()
    wrap_up(agent)
    sign_out(agent)


def test_a_long_conversation_shows_every_message_in_order_on_both_sides(browser: Browser, base_url):
    """The live end is sealed into pieces as it grows (services/transcript_window.py): every piece is drawn, in
    order, in the inbox, in the Live Chat, and again after the agent opens the conversation afresh."""
    agent, customer = available_agent_and_customer(browser, base_url)
    start_chat(customer, base_url, "Lena", "Ortiz", "lena.ortiz@example.com")
    row = row_for(agent, "Lena Ortiz")
    row.click()
    said = [f"Question {n:02d} about my order" for n in range(1, 19)]
    for sentence in said:
        customer_says(customer, sentence)
        expect(agent.get_by_test_id("message").filter(has_text=sentence)).to_have_count(1)
    shown = agent.get_by_test_id("conversation").locator("[data-testid=message][data-author=customer]")
    theirs = customer.locator("[data-testid=message][data-author=customer]")
    for messages in (shown, theirs):  # each once, in its place (a message also shows its time)
        expect(messages).to_have_count(len(said))
        expect(messages).to_contain_text(said)
    agent.reload()
    row_for(agent, "Lena Ortiz").click()
    expect(shown).to_have_count(len(said))
    expect(shown).to_contain_text(said)
    wrap_up(agent)
    sign_out(agent)
