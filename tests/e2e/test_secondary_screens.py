"""Secondary screens inside the inbox: the Customer Dashboard remembered per interaction (answering through the
Communication Popup meanwhile), Order Status to Order
Edit to Confirm Changes, a closed interaction's Case from Done, and a team's own registered screen."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e import axe
from tests.e2e.helpers import (agent_and_customer, available_agent_and_customer, customer_says, row_saying,
                               set_available, sign_in, sign_out, signed_chat_url, start_chat, wrap_up)


def _ellen(page: Page, base_url: str, text: str) -> None:
    page.goto(signed_chat_url(base_url))
    page.get_by_role("button", name="Start chat").click()
    customer_says(page, text)


def _screen(page: Page, name: str):
    return page.locator(f"[data-testid=secondary-screen][data-screen={name}]")


def test_the_dashboard_stays_open_on_its_interaction_while_the_agent_answers_another(browser: Browser, base_url,
                                                                                       shot):
    agent, ellen = agent_and_customer(browser)
    nora = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    _ellen(ellen, base_url, "Where is my order?")
    start_chat(nora, base_url, "Nora", "Quinn", "nora.quinn@example.com")
    customer_says(nora, "Do you ship to Canada?")

    ellens_id = row_saying(agent, "Where is my order?").get_attribute("data-interaction-id")
    ellens_row = agent.locator(f"[data-testid=interaction-row][data-interaction-id='{ellens_id}']")
    ellens_row.click()
    agent.get_by_test_id("customer-header").get_by_test_id("customer-name").click()
    dashboard = _screen(agent, "customer-dashboard")
    expect(dashboard.get_by_test_id("dashboard-order").first).to_be_visible()
    expect(dashboard.get_by_test_id("dashboard-case").first).to_contain_text("chat")
    expect(dashboard).not_to_contain_text("CSAT")  # only the inbox shows the average CSAT score
    expect(agent.get_by_test_id("conversation")).to_have_count(0)

    popup = agent.get_by_test_id("communication-popup")  # the message box is covered: write from the panel
    customer_says(ellen, "It was due on Monday.")
    expect(popup.get_by_test_id("popup-message").filter(has_text="due on Monday")).to_be_visible()  # live
    popup.get_by_test_id("popup-message-box").fill("Checking the carrier for you now.")
    popup.get_by_test_id("popup-message-box").press("Control+Enter")
    expect(ellen.get_by_test_id("message").filter(has_text="Checking the carrier")).to_have_attribute(
        "data-author", "agent")
    expect(popup.get_by_test_id("popup-message-box")).to_have_text("")  # chat: the formatted box, emptied
    shot(agent, "customer-dashboard")

    row_saying(agent, "Do you ship to Canada?").click()  # a pressing interaction: its conversation, no button
    expect(agent.get_by_test_id("conversation")).to_contain_text("Do you ship to Canada?")
    expect(agent.get_by_role("button", name="Back to Inbox")).to_have_count(0)
    expect(agent.get_by_test_id("communication-popup")).to_have_count(0)
    wrap_up(agent)

    ellens_row.click()  # back to Ellen: her dashboard again
    expect(_screen(agent, "customer-dashboard")).to_be_visible()
    agent.get_by_role("button", name="Back to Inbox").click()
    expect(agent.get_by_test_id("conversation")).to_contain_text("Checking the carrier for you now.")
    expect(agent.get_by_test_id("secondary-screen")).to_have_count(0)
    expect(agent.get_by_test_id("communication-popup")).to_have_count(0)  # the message box is back
    wrap_up(agent)
    sign_out(agent)


def test_order_status_to_order_edit_to_confirm_changes(browser: Browser, base_url, shot):
    agent, ellen = available_agent_and_customer(browser, base_url)
    _ellen(ellen, base_url, "Can I have two of the first item?")
    row_saying(agent, "two of the first item").click()

    agent.get_by_test_id("most-recent-order").get_by_test_id("order-created-date").click()
    status = _screen(agent, "order-status")
    expect(status.get_by_test_id("order-line")).to_have_count(5)
    expect(status.get_by_test_id("order-line").first.get_by_role("img")).to_be_visible()
    expect(status.get_by_test_id("order-payment")).to_contain_text("Authorized")
    shot(agent, "order-status")
    status.get_by_role("button", name="Edit order").click()

    edit = _screen(agent, "order-edit")
    first = edit.get_by_test_id("order-edit-line").first
    before = edit.get_by_test_id("order-edit-total").inner_text()
    first.get_by_role("spinbutton").fill("2")
    expect(edit.get_by_test_id("order-edit-total")).not_to_have_text(before)  # recomputed as the agent types
    agent.get_by_role("button", name="Back to Inbox").click()  # unsaved changes: asked first
    leave = agent.get_by_role("alertdialog", name="Leave without saving?")
    expect(leave).to_be_visible()
    leave.get_by_role("button", name="Keep editing").click()
    expect(leave).to_be_hidden()
    shot(agent, "order-edit")
    edit.get_by_role("button", name="Confirm Changes").click()

    expect(_screen(agent, "order-status").get_by_test_id("order-line").first).to_contain_text("2")
    agent.get_by_role("button", name="Back to Inbox").click()
    expect(agent.get_by_test_id("conversation").get_by_test_id("message").filter(has_text="was edited")
           ).to_have_attribute("data-author", "system")
    wrap_up(agent)
    sign_out(agent)


def test_a_closed_interactions_case_opens_from_done(browser: Browser, base_url, shot):
    agent, ellen = available_agent_and_customer(browser, base_url)
    _ellen(ellen, base_url, "The zipper broke on my jacket.")
    row_saying(agent, "The zipper broke").click()
    agent.get_by_test_id("message-box").fill("Sorry to hear that, a replacement is on its way.")
    agent.get_by_test_id("message-box").press("Control+Enter")
    wrap_up(agent)

    agent.get_by_role("tab", name="Done").click()
    agent.get_by_test_id("interaction-row").filter(has_text=re.compile("zipper|replacement")).first.click()
    agent.get_by_role("button", name="Case", exact=True).click()
    case = _screen(agent, "case")
    expect(case.get_by_test_id("case-interaction").last).to_contain_text("The zipper broke on my jacket.")
    case.get_by_label("Case notes").fill("Replacement jacket sent.")
    case.get_by_role("button", name="Save case").click()
    expect(case.get_by_text("Saved", exact=True)).to_be_visible()
    expect(agent.get_by_test_id("message-box")).to_have_count(0)  # still closed: nothing reopened
    shot(agent, "case")
    agent.get_by_role("button", name="Back to Inbox").click()
    expect(agent.get_by_text("This interaction is closed and read-only.")).to_be_visible()
    sign_out(agent)


def test_a_teams_own_registered_screen_opens_inside_the_inbox(browser: Browser, base_url, shot):
    agent, ellen = available_agent_and_customer(browser, base_url)
    _ellen(ellen, base_url, "Any notes on my account?")
    row_saying(agent, "Any notes on my account?").click()
    agent.get_by_role("button", name="Screens").click()
    agent.get_by_role("menuitem", name="Customer Notes").click()
    notes = _screen(agent, "customer-notes")
    expect(notes).to_contain_text("Customer notes")
    expect(notes.get_by_role("heading", name="Customer Notes", exact=True)).to_be_visible()
    shot(agent, "example-screen")
    agent.get_by_role("button", name="Back to Inbox").click()
    wrap_up(agent)
    sign_out(agent)


def test_the_customer_profile_is_edited_with_clear_messages(browser: Browser, base_url, shot):
    agent, ellen = available_agent_and_customer(browser, base_url)
    _ellen(ellen, base_url, "Please update my phone number.")
    row_saying(agent, "update my phone number").click()
    agent.get_by_test_id("customer-notes-button").click()
    dialog = agent.get_by_role("dialog", name="Customer Profile")
    dialog.get_by_label("Phone").fill("415 555 0100")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("country code")  # refused, nothing saved
    dialog.get_by_label("Phone").fill("+1 (415) 555-0100")
    dialog.get_by_label("First name").fill("Ellie")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Profile saved.")).to_be_visible()
    expect(dialog.get_by_label("Phone")).to_have_value("+14155550100")  # stored as E.164
    shot(agent, "customer-profile")
    dialog.get_by_label("First name").fill("Ellen")  # as the demo had it, for the files after this one
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Profile saved.")).to_be_visible()
    agent.keyboard.press("Escape")
    wrap_up(agent)
    sign_out(agent)


def test_ellen_at_two_brands_is_two_customers_to_one_agent(browser: Browser, base_url, shot):
    """The demo's Ellen Smith shops at Sophia's and at Jane's: one panel, each interaction its own brand's data."""
    agent, at_sophias = agent_and_customer(browser)
    at_janes = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    _ellen(at_sophias, base_url, "Sophia's question: my tote?")
    at_janes.goto(signed_chat_url(base_url, org="janes", secret="janes-demo-secret"))
    at_janes.get_by_role("button", name="Start chat").click()
    customer_says(at_janes, "Jane's question: my candle?")

    janes_row = row_saying(agent, "Jane's question")
    expect(janes_row.get_by_test_id("org-name")).to_have_text("Jane's")
    expect(row_saying(agent, "Sophia's question").get_by_test_id("org-name")).to_have_text("Sophia's")
    janes_row.click()
    expect(agent.get_by_test_id("most-recent-order")).to_contain_text("JA-2001")
    agent.get_by_test_id("customer-header").get_by_test_id("customer-name").click()
    orders = _screen(agent, "customer-dashboard").get_by_test_id("dashboard-order")
    expect(orders).to_have_count(1)
    expect(orders.first).to_contain_text("JA-2001")
    shot(agent, "janes-dashboard")
    wrap_up(agent)

    row_saying(agent, "Sophia's question").click()
    expect(agent.get_by_test_id("most-recent-order")).to_contain_text("SO-1042")
    agent.get_by_test_id("customer-header").get_by_test_id("customer-name").click()
    dashboard = _screen(agent, "customer-dashboard")
    expect(dashboard.get_by_test_id("dashboard-order").first).to_be_visible()
    expect(dashboard).not_to_contain_text("JA-2001")
    agent.get_by_role("button", name="Back to Inbox").click()
    wrap_up(agent)
    sign_out(agent)


def _edit_order(page: Page) -> tuple[object, int]:
    """Order Status → Edit order on the selected interaction: (the first line's quantity box, its saved value)."""
    page.get_by_test_id("most-recent-order").get_by_test_id("order-created-date").click()
    _screen(page, "order-status").get_by_role("button", name="Edit order").click()
    quantity = _screen(page, "order-edit").get_by_test_id("order-edit-line").first.get_by_role("spinbutton")
    expect(quantity).to_be_visible()
    return quantity, int(quantity.input_value())


def test_each_interaction_keeps_its_order_edit_draft_and_leaving_unsaved_changes_asks_first(browser: Browser,
                                                                                            base_url, shot):
    agent, ellen = agent_and_customer(browser)
    again = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    _ellen(ellen, base_url, "First chat: two of the tote, please.")
    _ellen(again, base_url, "Second chat: or three?")
    first, second = row_saying(agent, "two of the tote"), row_saying(agent, "or three?")

    first.click()
    quantity, saved = _edit_order(agent)
    quantity.fill(str(saved + 1))
    expect(_screen(agent, "order-edit").get_by_text("Unsaved changes")).to_be_visible()
    second.click()  # switching interactions keeps the draft: nothing to ask
    expect(agent.get_by_role("alertdialog")).to_have_count(0)
    quantity, _ = _edit_order(agent)
    quantity.fill(str(saved + 2))
    first.click()  # its own screen and its own unsaved draft come back
    edit = _screen(agent, "order-edit")
    expect(edit.get_by_test_id("order-edit-line").first.get_by_role("spinbutton")).to_have_value(str(saved + 1))

    agent.get_by_test_id("customer-header").get_by_test_id("customer-name").click()  # another screen: asked
    leave = agent.get_by_role("alertdialog", name="Leave without saving?")
    expect(leave).to_be_visible()
    expect(leave.get_by_role("button", name="Keep editing")).to_be_focused()  # focus moved into the dialog
    agent.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    found = axe.violations(agent)
    assert not found, axe.report(found)
    shot(agent, "order-edit-leave-dialog")
    agent.keyboard.press("Escape")  # keep editing, from the keyboard
    expect(leave).to_be_hidden()
    expect(edit.get_by_test_id("order-edit-line").first.get_by_role("spinbutton")).to_have_value(str(saved + 1))
    expect(_screen(agent, "customer-dashboard")).to_have_count(0)

    edit.get_by_role("button", name="Cancel", exact=True).click()  # Cancel asks too; Discard goes on
    leave.get_by_role("button", name="Discard changes").click()
    status = _screen(agent, "order-status")
    expect(status.get_by_test_id("order-line").first.get_by_role("cell").nth(2)).to_have_text(str(saved))

    second.click()
    expect(_screen(agent, "order-edit").get_by_test_id("order-edit-line").first.get_by_role("spinbutton")
           ).to_have_value(str(saved + 2))  # the first interaction's discard left this draft alone
    agent.get_by_role("button", name="Back to Inbox").click()
    leave.get_by_role("button", name="Discard changes").click()
    expect(agent.get_by_test_id("conversation")).to_contain_text("or three?")
    wrap_up(agent)
    first.click()
    agent.get_by_role("button", name="Back to Inbox").click()  # Order Status: nothing unsaved, nothing asked
    expect(agent.get_by_test_id("conversation")).to_be_visible()
    wrap_up(agent)
    sign_out(agent)


def _alice_and_bob_on_ellen(browser: Browser, base_url: str, says: str) -> tuple[Page, Page, Page]:
    """Ellen in two chats of one case, one Alice's and one Bob's: (alice, bob, Ellen's chat with Alice)."""
    alice, ellen = agent_and_customer(browser)
    bob = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    ellen_again = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    sign_in(alice, base_url, "alice")
    set_available(alice)
    _ellen(ellen, base_url, f"Alice, {says}")
    row_saying(alice, f"Alice, {says}").click()  # picked up: it stays Alice's
    alice.get_by_test_id("availability").click()  # Ellen's next chat goes to Bob
    expect(alice.get_by_test_id("availability")).to_have_text("Unavailable")
    sign_in(bob, base_url, "bob")
    set_available(bob)
    _ellen(ellen_again, base_url, f"Bob, {says}")
    row_saying(bob, f"Bob, {says}").click()
    return alice, bob, ellen


def test_open_screens_follow_another_agents_edit_and_unsaved_changes_are_kept(browser: Browser, base_url, shot):
    alice, bob, _ = _alice_and_bob_on_ellen(browser, base_url, "is my order still the same?")
    alice.get_by_test_id("most-recent-order").get_by_test_id("order-created-date").click()
    status = _screen(alice, "order-status")
    second_line = status.get_by_test_id("order-line").nth(1).get_by_role("cell").nth(2)
    saved = int(second_line.inner_text())

    _edit_order(bob)
    _screen(bob, "order-edit").get_by_test_id("order-edit-line").nth(1).get_by_role("spinbutton").fill(
        str(saved + 1))
    bob.get_by_role("button", name="Confirm Changes").click()
    expect(_screen(bob, "order-status")).to_be_visible()
    expect(second_line).to_have_text(str(saved + 1))  # Alice's open Order Status re-read it, live
    shot(alice, "order-status-refreshed")

    status.get_by_role("button", name="Edit order").click()
    alices = _screen(alice, "order-edit").get_by_test_id("order-edit-line").first.get_by_role("spinbutton")
    alices_first = int(alices.input_value())
    alices.fill(str(alices_first + 1))
    bob.get_by_role("button", name="Edit order").click()  # Bob saves again while Alice has unsaved changes
    _screen(bob, "order-edit").get_by_test_id("order-edit-line").nth(1).get_by_role("spinbutton").fill(
        str(saved + 2))
    bob.get_by_role("button", name="Confirm Changes").click()
    expect(_screen(bob, "order-status")).to_be_visible()

    expect(alice.get_by_test_id("order-changed-underneath")).to_contain_text("changed by someone else")
    expect(alices).to_have_value(str(alices_first + 1))  # never overwritten
    found = axe.violations(alice)
    assert not found, axe.report(found)
    shot(alice, "order-edit-changed-underneath")
    alice.get_by_role("button", name="Confirm Changes").click()
    expect(_screen(alice, "order-edit").get_by_role("alert")).to_contain_text("Nothing was saved")
    alice.get_by_role("button", name="Start again from the saved order").click()
    expect(_screen(alice, "order-edit").get_by_test_id("order-edit-line").nth(1).get_by_role("spinbutton")
           ).to_have_value(str(saved + 2))
    expect(alice.get_by_test_id("order-changed-underneath")).to_have_count(0)
    alice.get_by_role("button", name="Back to Inbox").click()
    expect(alice.get_by_test_id("conversation")).to_be_visible()
    wrap_up(alice)
    bob.get_by_role("button", name="Back to Inbox").click()
    wrap_up(bob)
    sign_out(alice)
    sign_out(bob)


def test_an_open_case_screen_and_dashboard_follow_other_agents_and_the_customer(browser: Browser, base_url):
    alice, bob, ellen = _alice_and_bob_on_ellen(browser, base_url, "about my refund.")
    alice.get_by_role("button", name="Case", exact=True).click()
    case = _screen(alice, "case")
    expect(case.get_by_test_id("case-interaction")).to_have_count(2)  # both chats of the one case
    bob.get_by_role("button", name="Case", exact=True).click()
    _screen(bob, "case").get_by_label("Case notes").fill("Bob: refund approved.")
    _screen(bob, "case").get_by_role("button", name="Save case").click()
    expect(_screen(bob, "case").get_by_text("Saved", exact=True)).to_be_visible()
    expect(case.get_by_label("Case notes")).to_have_value("Bob: refund approved.")  # live on Alice's screen
    customer_says(ellen, "Any news on the refund?")
    expect(case.get_by_test_id("case-message").filter(has_text="Any news on the refund?")).to_be_visible()

    alice.get_by_role("button", name="Back to Inbox").click()
    alice.get_by_test_id("customer-header").get_by_test_id("customer-name").click()
    dashboard = _screen(alice, "customer-dashboard")
    expect(dashboard).to_contain_text("Ellen Smith")
    bob.get_by_test_id("customer-notes-button").click()
    profile = bob.get_by_role("dialog", name="Customer Profile")
    for name in ("Ellie", "Ellen"):  # renamed, then back as the demo had it for the tests after this one
        profile.get_by_label("First name").fill(name)
        profile.get_by_role("button", name="Save").click()
        expect(dashboard).to_contain_text(f"{name} Smith")  # Alice's open dashboard follows Bob's edit
    bob.keyboard.press("Escape")
    alice.get_by_role("button", name="Back to Inbox").click()
    wrap_up(alice)
    bob.get_by_role("button", name="Back to Inbox").click()
    wrap_up(bob)
    sign_out(alice)
    sign_out(bob)
