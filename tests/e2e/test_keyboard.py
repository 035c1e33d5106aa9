"""A day's work with the keyboard only: no mouse click by the agent, focus always visible, dialogs keep focus."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import customer_says, start_chat

# What the focused element looks like. A focus ring is an outline or a box-shadow drawn on the element, its
# ::before/::after, its inner part (Radix tabs) or the field's frame (Radix text fields: :focus-within). It counts
# only if it goes away when focus does: a shadow the element always has (a card, a dialog) is no focus ring.
_FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const parts = [el, el.parentElement, el.parentElement && el.parentElement.parentElement, ...el.children];
    const look = () => [...parts.filter(Boolean).map(node => [node, null]), [el, "::before"], [el, "::after"]]
        .map(([node, pseudo]) => {
            const style = getComputedStyle(node, pseudo);
            const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
            return (outline ? style.outlineStyle + style.outlineWidth + style.outlineColor : "") + "|" + style.boxShadow;
        }).join(";");
    const focusedLook = look();
    el.blur();
    const blurredLook = look();
    el.focus();
    const ring = focusedLook !== blurredLook && document.activeElement === el;
    return {testid: el.getAttribute("data-testid") || "", text: (el.innerText || "").trim().slice(0, 60),
            label: el.getAttribute("aria-label") || el.id || "", ring, inDialog: !!el.closest('[role="dialog"]')};
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(_FOCUS)


def tab_to(page: Page, matches, *, backwards: bool = False, limit: int = 40) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches; every stop on the way shows a focus ring."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if now is None:
            continue
        assert now["ring"], f"no visible focus on {now}"
        if matches(now):
            return now
    raise AssertionError(f"Tab never reached the element; focus is on {focused(page)}")


def by_testid(name: str):
    return lambda now: now["testid"] == name


def by_text(value: str):
    return lambda now: now["text"] == value


def open_row(page: Page, row, *, backwards: bool = False) -> None:
    """Tab into the panel, then arrow keys (which open each row they reach) until this row has focus; Enter."""
    if (focused(page) or {}).get("testid") != "interaction-row":
        tab_to(page, by_testid("interaction-row"), backwards=backwards)
    # Each key focuses the neighbouring row (and opens it); step one row at a time up to the target.
    ids = page.get_by_test_id("interaction-row").evaluate_all(
        "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.interactionId)")
    here = ids.index(page.evaluate("() => document.activeElement.dataset.interactionId"))
    there = ids.index(row.get_attribute("data-interaction-id"))
    while here != there:
        step = 1 if there > here else -1
        here += step
        page.keyboard.press("ArrowDown" if step > 0 else "ArrowUp")
        page.wait_for_function("(id) => document.activeElement.dataset.interactionId === id", arg=ids[here])
    expect(row).to_be_focused()
    page.keyboard.press("Enter")
    expect(row).to_have_attribute("aria-current", "true")


def _signed_out(page: Page) -> None:
    """Signs out if the walkthrough stopped before its own keyboard sign-out."""
    if "/login" in page.url:
        return
    page.keyboard.press("Escape")  # a dialog left open
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")


def wrap_up_by_keyboard(page: Page) -> None:
    """The native selects take the arrow keys: the first category and its first subcategory; Enter on Submit."""
    tab_to(page, by_text("Wrap Up"))
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Wrap Up")
    expect(dialog).to_be_visible()
    tab_to(page, lambda now: now["label"] == "wrap-up-category")
    page.keyboard.press("ArrowDown")  # from "Choose a category" to the first category
    expect(dialog.get_by_label("Category", exact=True)).not_to_have_value("")
    tab_to(page, lambda now: now["label"] == "wrap-up-subcategory")
    # The category's subcategories come from the server: an arrow key before they arrive moves nothing.
    expect(dialog.get_by_label("Subcategory").locator("option")).not_to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(dialog.get_by_label("Subcategory")).not_to_have_value("")
    tab_to(page, by_text("Submit"))
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()


def _customers(browser: Browser, base_url: str) -> tuple[Page, Page]:
    """Marcus Lee (his record has an email, so a passcode can be sent) and a second chat to move past."""
    pages = [browser.new_context(viewport={"width": 400, "height": 740}).new_page() for _ in range(2)]
    start_chat(pages[0], base_url, "Marcus", "Lee", "marcus.lee@example.com")
    customer_says(pages[0], "Keyboard check: I would like to return my order.")
    start_chat(pages[1], base_url, "Tab", "Walker", "tab.walker@example.com")
    customer_says(pages[1], "Keyboard check: just browsing.")
    return pages[0], pages[1]


def test_keyboard_only_sign_in_answer_verify_and_wrap_up(browser: Browser, base_url, shot):
    agent = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    keys = agent.keyboard
    refused = []  # the CSP allows no eval: nothing this walkthrough does may need one
    agent.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))

    # Sign in: the first Tab lands on User ID; Enter submits the form.
    agent.goto(f"{base_url}/login")
    expect(agent.get_by_label("User ID")).to_be_visible()
    tab_to(agent, lambda now: now["label"] == "user_id")
    keys.type("bob")
    keys.press("Tab")
    keys.type("demo-pass")
    keys.press("Enter")
    agent.wait_for_url("**/inbox**")

    try:
        # Set Available.
        toggle = agent.get_by_test_id("availability")
        expect(toggle).to_have_text("Unavailable")
        tab_to(agent, by_testid("availability"))
        keys.press("Enter")
        expect(toggle).to_have_text("Available")

        marcus, other = _customers(browser, base_url)
        rows = agent.get_by_test_id("interaction-row")
        marcus_row = rows.filter(has_text="Marcus Lee")
        expect(marcus_row).to_be_visible()
        expect(rows.filter(has_text="Tab Walker")).to_be_visible()

        # Move through the panel: Tab reaches the first row, Enter opens it, the arrow keys open the next and back.
        tab_to(agent, by_testid("interaction-row"))
        keys.press("Enter")
        expect(rows.first).to_have_attribute("aria-current", "true")
        keys.press("ArrowDown")
        expect(rows.nth(1)).to_be_focused()
        expect(rows.nth(1)).to_have_attribute("aria-current", "true")
        assert focused(agent)["ring"]
        keys.press("ArrowUp")
        expect(rows.first).to_be_focused()
        expect(rows.first).to_have_attribute("aria-current", "true")
        open_row(agent, marcus_row)
        expect(agent.get_by_test_id("customer-header")).to_contain_text("Marcus Lee")
        shot(agent, "row-focused")

        # Answer with Ctrl+Enter.
        tab_to(agent, by_testid("message-box"))
        keys.type("Keyboard check: happy to help with the return.")
        keys.press("Control+Enter")
        expect(marcus.get_by_test_id("message").filter(has_text="happy to help with the return")).to_have_attribute(
            "data-author", "agent")

        # Verify Customer: open it, send a passcode, type a code, stay inside, leave with Escape.
        tab_to(agent, by_text("Verify Customer"), backwards=True)
        keys.press("Enter")
        dialog = agent.get_by_role("dialog", name="Verify Customer")
        expect(dialog).to_be_visible()
        tab_to(agent, by_text("Send via Email"))
        keys.press("Enter")
        passcode = dialog.get_by_label("Passcode")
        expect(passcode).to_be_focused()  # the passcode field takes focus as it appears
        keys.type("123456")
        expect(passcode).to_have_value("123456")
        for _ in range(12):  # Tab cycles inside the open dialog, never behind it
            keys.press("Tab")
            now = focused(agent)
            assert now and now["inDialog"] and now["ring"], f"focus left the dialog: {now}"
        shot(agent, "verify-dialog-focus")
        keys.press("Escape")
        expect(dialog).to_be_hidden()
        expect(agent.get_by_role("button", name="Verify Customer")).to_be_focused()  # back where it was

        wrap_up_by_keyboard(agent)
        expect(marcus_row).to_have_count(0)  # closed: gone from Active

        # The other chat is wrapped up the same way, so Bob's capacity is free for later tests; then sign out.
        walker_row = rows.filter(has_text="Tab Walker")
        open_row(agent, walker_row)
        wrap_up_by_keyboard(agent)
        expect(walker_row).to_have_count(0)
        tab_to(agent, by_text("Sign out"), backwards=True)
        keys.press("Enter")
        agent.wait_for_url("**/login**")
    finally:  # a failure must not leave Bob Available: later tests' chats would be routed to him
        _signed_out(agent)
    assert refused == []
    for page in (agent, marcus, other):
        page.context.close()
