"""Response templates in Chromium: an agent creates a quick response in the Response Templates popup, sees its
chip, uses it (variables filled), edits the text and sends it; edits the template and sees the chip follow;
searches a template with a typo and inserts it with the keyboard only. No page breaks the CSP doing so."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import agent_and_customer, customer_says, row_for, set_available, sign_in, sign_out
from tests.e2e.helpers import start_chat, wrap_up

BODY = "Thanks {customer_first_name}, I'm on it. {agent_first_name} at {organization}"
FILLED = "Thanks Tess, I'm on it. Alice at Sophia's"


@pytest.fixture
def console_errors():
    """Errors the browser logged (a CSP refusal, a failed script): collected per page, asserted empty."""
    found: list[str] = []

    def record(message) -> None:
        where = message.location.get("url", "")
        if message.type == "error" and not where.endswith("/favicon.ico"):  # the app has no favicon
            found.append(f"{message.text} ({where})")

    def watch(page: Page) -> Page:
        page.on("console", record)
        page.on("pageerror", lambda error: found.append(str(error)))
        return page

    watch.found = found
    return watch


def _open_popup(agent: Page):
    agent.get_by_role("button", name="Response templates").click()
    dialog = agent.get_by_role("dialog", name="Response Templates")
    expect(dialog).to_be_visible()
    return dialog


def test_a_quick_response_template_is_created_used_edited_and_sent(browser: Browser, base_url, shot,
                                                                  console_errors):
    agent, customer = agent_and_customer(browser)
    console_errors(agent)
    sign_in(agent, base_url, "alice")
    set_available(agent)
    start_chat(customer, base_url, "Tess", "Template", "tess.template@example.com")
    customer_says(customer, "Where is my order?")
    row_for(agent, "Tess Template").click()
    chips = agent.get_by_test_id("quick-response")
    expect(chips.filter(has_text="One moment please")).to_be_visible()  # the demo's base quick responses
    expect(chips.filter(has_text="Let me research your request")).to_be_visible()

    dialog = _open_popup(agent)
    expect(dialog.get_by_role("tab", name="My Responses")).to_have_attribute("aria-selected", "true")
    expect(dialog.get_by_label("Organization")).to_have_value(
        dialog.get_by_label("Organization").locator("option", has_text="Sophia's").get_attribute("value"))
    dialog.get_by_role("button", name="New response").click()
    dialog.get_by_label("Response Name").fill("One moment please")  # a base template's name
    dialog.get_by_label("Response", exact=True).fill(BODY)
    dialog.get_by_label("Quick Response").check()
    dialog.get_by_role("spinbutton", name="Display Sequence").fill("1")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("unique name")
    shot(agent, "dialog-form")
    dialog.get_by_label("Response Name").fill("On it")  # the form kept everything else
    dialog.get_by_role("button", name="Save").click()
    mine = dialog.locator('[data-testid="response-template"][data-name="On it"]')
    expect(mine).to_contain_text("Quick Response")
    expect(mine.get_by_role("img", name="Chat")).to_be_visible()
    expect(mine.get_by_role("img", name="Email")).to_have_count(0)
    dialog.get_by_role("tab", name="Base Templates").click()
    expect(dialog.locator('[data-testid="base-template"][data-name="One moment please"]')).to_be_visible()
    shot(agent, "dialog")
    agent.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    expect(chips.first).to_have_text("On it")  # custom before base
    shot(agent, "chips")
    chips.first.click()
    box = agent.get_by_test_id("message-box")
    expect(box).to_have_text(FILLED)
    expect(box).to_be_focused()
    box.press("End")
    box.press_sequentially(" Your parcel left today.")
    box.press("Control+Enter")
    expect(customer.get_by_test_id("message").filter(has_text=FILLED + " Your parcel left today.")).to_have_attribute(
        "data-author", "agent")

    dialog = _open_popup(agent)  # the template itself edited: the chip follows
    dialog.locator('[data-testid="response-template"][data-name="On it"]').get_by_role("button", name="Edit").click()
    expect(dialog.get_by_label("Response Name")).to_have_value("On it")
    expect(dialog.get_by_label("Response", exact=True)).to_have_text(BODY)  # the formatted box, filled to edit
    dialog.get_by_label("Response Name").fill("On it now")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator('[data-testid="response-template"][data-name="On it now"]')).to_be_visible()
    agent.keyboard.press("Escape")
    expect(chips.first).to_have_text("On it now")

    dialog = _open_popup(agent)  # leave alice's list as it was for other tests
    dialog.locator('[data-testid="response-template"][data-name="On it now"]').get_by_role(
        "button", name="Delete").click()
    expect(dialog.get_by_test_id("response-template")).to_have_count(0)
    agent.keyboard.press("Escape")
    expect(chips.filter(has_text="On it now")).to_have_count(0)
    wrap_up(agent)
    sign_out(agent)
    customer.context.close()
    assert console_errors.found == []


def test_a_template_is_searched_with_a_typo_and_inserted_with_the_keyboard(browser: Browser, base_url, shot,
                                                                          console_errors):
    agent, customer = agent_and_customer(browser)
    console_errors(agent)
    sign_in(agent, base_url, "alice")
    set_available(agent)
    start_chat(customer, base_url, "Kit", "Keys", "kit.keys@example.com")
    customer_says(customer, "Can you check my refund?")
    row = row_for(agent, "Kit Keys")
    row.click()
    box = agent.get_by_test_id("message-box")
    box.fill("Hi Kit. ")
    row.focus()  # focus outside any text field: `/` goes to the search
    agent.keyboard.press("/")
    search = agent.get_by_role("textbox", name="Search templates")
    expect(search).to_be_focused()
    agent.keyboard.type("reserch")
    results = agent.get_by_test_id("template-result")
    expect(results.first).to_contain_text("Let me research your request")
    shot(agent, "search-results")
    agent.keyboard.press("ArrowDown")
    expect(results.first).to_be_focused()
    agent.keyboard.press("Enter")
    expect(box).to_have_text("Hi Kit. Let me research your request; I'll be right back.")
    expect(box).to_be_focused()
    expect(results).to_have_count(0)

    box.fill("Kit, one more thing.")
    expect(box).to_have_attribute("data-caret", "20")  # the box has taken the text (and its echo is settled)
    box.press("Home")  # the caret at the start: the template goes there, not at the end
    expect(box).to_have_attribute("data-caret", "0")  # the box has recorded it before focus leaves
    agent.keyboard.press("Tab")  # from the message box to Send, then `/` again
    agent.keyboard.press("/")
    expect(search).to_be_focused()
    agent.keyboard.type("anythng els")
    expect(results.first).to_contain_text("Anything else")
    agent.keyboard.press("Enter")  # Enter in the search inserts the best match
    expect(box).to_have_text("Is there anything else I can help you with today?Kit, one more thing.")
    box.press("Control+Enter")
    expect(customer.get_by_test_id("message").filter(has_text="anything else I can help")).to_be_visible()
    wrap_up(agent)
    sign_out(agent)
    customer.context.close()
    assert console_errors.found == []
