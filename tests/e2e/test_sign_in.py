"""Sign-in, availability and sign-out in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import set_available, sign_in, sign_out


def test_anonymous_visit_to_the_inbox_lands_on_sign_in(page: Page, base_url):
    page.goto(f"{base_url}/inbox")
    page.wait_for_url(re.compile(r".*/login/?$"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("interaction-row")).to_have_count(0)


def test_wrong_password_shows_the_contract_message(page: Page, base_url, shot):
    page.goto(f"{base_url}/login")
    page.get_by_label("User ID").fill("maria")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Invalid user ID or password")).to_be_visible()
    expect(page).to_have_url(re.compile(r".*/login/?\?error=invalid$"))  # a reason code, never the text itself
    shot(page, "login-error")


def test_the_session_cookie_is_out_of_reach_of_page_scripts(page: Page, base_url):
    sign_in(page, base_url, "alice")
    cookie = next(c for c in page.context.cookies() if c["name"] == "inbox_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert "inbox_session" not in page.evaluate("document.cookie")
    sign_out(page)
    assert not [c for c in page.context.cookies() if c["name"] == "inbox_session"]


def test_sign_in_toggle_sign_out_and_sign_in_again_shows_unavailable(page: Page, base_url, shot):
    sign_in(page, base_url, "maria")
    expect(page.get_by_text("Maria Martinez")).to_be_visible()
    set_available(page)
    shot(page, "available")
    page.reload()
    expect(page.get_by_test_id("availability")).to_have_text("Available")  # the server remembers
    sign_out(page)
    page.goto(f"{base_url}/inbox")
    page.wait_for_url(re.compile(r".*/login/?$"))  # the old session no longer works
    sign_in(page, base_url, "maria")
    expect(page.get_by_test_id("availability")).to_have_text("Unavailable")
    page.get_by_test_id("availability").click()
    expect(page.get_by_test_id("availability")).to_have_text("Available")
    page.get_by_test_id("availability").click()
    expect(page.get_by_test_id("availability")).to_have_text("Unavailable")
    sign_out(page)


def test_availability_set_in_one_tab_shows_at_once_in_the_agents_other_tabs(page: Page, base_url):
    """Two tabs of one agent: the inbox and the routing log. The toggle is the same agent's state in both."""
    sign_in(page, base_url, "bob")
    expect(page.get_by_test_id("availability")).to_have_text("Unavailable")
    other = page.context.new_page()
    try:
        # No wait for the routing page to load: the toggle may land while it reads, and must still show.
        other.goto(f"{base_url}/routing")
        set_available(page)
        expect(other.get_by_test_id("availability")).to_have_text("Available")
        other.get_by_test_id("availability").click()
        expect(page.get_by_test_id("availability")).to_have_text("Unavailable")
    finally:
        other.close()
        sign_out(page)  # Unavailable again whatever happened: the next tests' chats must not go to Bob
