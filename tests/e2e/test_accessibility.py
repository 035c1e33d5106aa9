"""WCAG 2.1 AA: axe-core on every page and dialog, for the agent, the manager and the customer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e import axe
from tests.e2e.helpers import (agent_and_customer, customer_says, row_for, row_saying, set_available, sign_in,
                               sign_out, signed_chat_url, start_chat, wrap_up)

UNVERIFIED_SAYS = "Accessibility check: where is my parcel?"
VERIFIED_SAYS = "Accessibility check: a question about my order."
AGENT_SAYS = "Let me look into that for you."


@dataclass
class Scene:
    """Alice with two chats open: Ellen unverified (the form) and Ellen verified (a signed link)."""

    agent: Page
    customer: Page  # the unverified chat, answered by the agent
    verified_customer: Page
    unverified_id: str = ""
    verified_id: str = ""

    def open_unverified(self) -> Page:
        return self._open(self.unverified_id, UNVERIFIED_SAYS, verified="false")

    def open_verified(self) -> Page:
        page = self._open(self.verified_id, VERIFIED_SAYS, verified="true")
        expect(page.get_by_test_id("most-recent-order")).to_be_visible()
        return page

    def row(self, interaction_id: str):
        return self.agent.locator(f'[data-testid="interaction-row"][data-interaction-id="{interaction_id}"]')

    def _open(self, interaction_id: str, sentence: str, verified: str) -> Page:
        self.row(interaction_id).click()
        expect(self.agent.get_by_test_id("customer-header")).to_have_attribute("data-verified", verified)
        # `.last`: this chat's line. A suite run with other files may build the scene twice, and Ellen's history
        # then shows the earlier scene's chat too.
        expect(self.agent.get_by_test_id("conversation").get_by_text(sentence).last).to_be_visible()
        return self.agent


@pytest.fixture(scope="module")
def scene(browser: Browser, base_url):
    agent, customer = agent_and_customer(browser)
    verified_customer = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    start_chat(customer, base_url, "Ellen", "Smith", "ellen.smith@example.com")
    customer_says(customer, UNVERIFIED_SAYS)
    verified_customer.goto(signed_chat_url(base_url))
    verified_customer.get_by_role("button", name="Start chat").click()
    customer_says(verified_customer, VERIFIED_SAYS)
    # Rows are told apart by id: the last sentence changes once the agent answers.
    built = Scene(agent, customer, verified_customer,
                  unverified_id=row_saying(agent, UNVERIFIED_SAYS).get_attribute("data-interaction-id"),
                  verified_id=row_saying(agent, VERIFIED_SAYS).get_attribute("data-interaction-id"))
    built.open_unverified()
    agent.get_by_test_id("message-box").fill(AGENT_SAYS)
    agent.get_by_role("button", name="Send").click()
    expect(customer.get_by_test_id("message").filter(has_text=AGENT_SAYS)).to_be_visible()
    yield built
    for interaction_id in (built.unverified_id, built.verified_id):  # free Alice's capacity for later tests
        built.row(interaction_id).click()
        wrap_up(agent)
    sign_out(agent)
    for page in (agent, customer, verified_customer):
        page.context.close()


@pytest.fixture(scope="module")
def manager(browser: Browser, base_url):
    page = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    sign_in(page, base_url, "maria")
    yield page
    page.context.close()


def settle(page: Page) -> None:
    """Wait for opening animations to end: axe measures contrast on what is painted, not half-faded."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")


def _dialog(page: Page, opener, name: str) -> Page:
    opener.click()
    expect(page.get_by_role("dialog", name=name)).to_be_visible()
    return page


# --- one opener per screen: each returns the page to check, as a person would see it ----------------------------


def _login(request) -> Page:
    page = request.getfixturevalue("browser").new_context().new_page()
    page.goto(f"{request.getfixturevalue('base_url')}/login")
    expect(page.get_by_label("User ID")).to_be_visible()
    return page


def _chat_start(request) -> Page:
    page = request.getfixturevalue("browser").new_context(viewport={"width": 400, "height": 740}).new_page()
    page.goto(f"{request.getfixturevalue('base_url')}/chat/sophias")
    expect(page.get_by_role("button", name="Start chat")).to_be_visible()
    return page


def _chat_chatting(request) -> Page:
    return request.getfixturevalue("scene").customer


def _inbox_unverified(request) -> Page:
    return request.getfixturevalue("scene").open_unverified()


def _inbox_verified(request) -> Page:
    return request.getfixturevalue("scene").open_verified()


def _verify_dialog(request) -> Page:
    page = request.getfixturevalue("scene").open_unverified()
    _dialog(page, page.get_by_role("button", name="Verify Customer"), "Verify Customer")
    dialog = page.get_by_role("dialog", name="Verify Customer")
    dialog.get_by_role("button", name="Send via Email").click()  # shows the passcode form and its notice
    expect(dialog.get_by_label("Passcode")).to_be_visible()
    return page


def _wrap_up_dialog(request) -> Page:
    page = request.getfixturevalue("scene").open_unverified()
    return _dialog(page, page.get_by_role("button", name="Wrap Up"), "Wrap Up")


def _transfer_dialog(request) -> Page:
    page = request.getfixturevalue("scene").open_unverified()
    return _dialog(page, page.get_by_role("button", name="Transfer"), "Transfer Interaction")


def _templates_dialog(request) -> Page:
    page = request.getfixturevalue("scene").open_unverified()
    _dialog(page, page.get_by_role("button", name="Response templates"), "Response Templates")
    page.get_by_role("dialog").get_by_role("button", name="New response").click()  # the form too
    return page


def _case_dialog(request) -> Page:
    page = request.getfixturevalue("scene").open_unverified()
    return _dialog(page, page.get_by_role("button", name="Case Details"), "Case Details")


def _profile_dialog(request) -> Page:
    page = request.getfixturevalue("scene").open_verified()
    return _dialog(page, page.get_by_test_id("customer-notes-button"), "Customer Profile")


def _order_dialog(request) -> Page:
    """Appease has the most to check (amount, reason); another suite may have cancelled the order already."""
    page = request.getfixturevalue("scene").open_verified()
    actions = page.get_by_test_id("most-recent-order").get_by_role("button")
    action = actions.filter(has_text="Appease").or_(actions.filter(has_text="Return")).first
    action.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    return page


def _secondary_screen(name: str, *clicks: tuple[str, str]):
    """A secondary screen on the verified chat, reached by clicking (test id or button name) in turn."""
    def opener(request) -> Page:
        page = request.getfixturevalue("scene").open_verified()
        for kind, target in clicks:
            (page.get_by_test_id("customer-header").get_by_test_id(target) if kind == "testid" else
             page.get_by_role("button", name=target, exact=True)).first.click()
        expect(page.locator(f"[data-testid=secondary-screen][data-screen={name}]")).to_be_visible()
        return page

    return opener


def _manager_page(path: str, ready: str):
    def opener(request) -> Page:
        page = request.getfixturevalue("manager")
        page.goto(f"{request.getfixturevalue('base_url')}{path}")
        expect(page.get_by_role("heading", name=ready)).to_be_visible()
        return page

    return opener


SCREENS = {
    "login": _login,
    "live-chat-start": _chat_start,
    "live-chat-chatting": _chat_chatting,
    "inbox-unverified-conversation": _inbox_unverified,
    "inbox-verified-conversation": _inbox_verified,
    "verify-customer-dialog": _verify_dialog,
    "wrap-up-dialog": _wrap_up_dialog,
    "transfer-dialog": _transfer_dialog,
    "response-templates-dialog": _templates_dialog,
    "case-details-dialog": _case_dialog,
    "customer-profile-dialog": _profile_dialog,
    "order-action-dialog": _order_dialog,
    "customer-dashboard": _secondary_screen("customer-dashboard", ("testid", "customer-name")),
    "order-status": _secondary_screen("order-status", ("testid", "order-created-date")),
    "order-edit": _secondary_screen("order-edit", ("testid", "order-created-date"), ("button", "Edit order")),
    "case-screen": _secondary_screen("case", ("button", "Case")),
    "routing-log": _manager_page("/routing", "Routing log"),
    "outbox": _manager_page("/outbox", "Outbox"),
    "wrap-up-categories": _manager_page("/settings/wrap-up", "Wrap-up categories"),
    "organization-settings": _manager_page("/settings/organizations", "Organization settings"),
    "teams": _manager_page("/settings/teams", "Teams"),
    "response-templates-settings": _manager_page("/settings/templates", "Response templates"),
}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_no_serious_or_critical_wcag_violations(screen, request, shot):
    page = SCREENS[screen](request)
    settle(page)
    found = axe.violations(page)
    shot(page, "checked")
    if page.get_by_role("dialog").count():  # leave the shared page as the next screen expects it
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_have_count(0)
    if page.get_by_test_id("secondary-screen").count():  # back to the conversation the next screen expects
        page.get_by_role("button", name="Back to Inbox").click()
        expect(page.get_by_test_id("secondary-screen")).to_have_count(0)
    assert not found, f"axe-core found on {screen}:\n{axe.report(found)}"


# --- screen readers and motion ---------------------------------------------------------------------------------


def test_new_messages_and_interactions_are_announced_politely_without_taking_focus(scene, browser, base_url):
    agent, customer = scene.agent, scene.customer
    scene.open_unverified()
    box = agent.get_by_test_id("message-box")
    box.click()
    box.press_sequentially("Half-typed")
    announcer = agent.get_by_test_id("announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_attribute("role", "status")

    customer_says(customer, "Accessibility check: are you still there?")
    expect(announcer).to_have_text("Ellen Smith: Accessibility check: are you still there?")
    expect(box).to_be_focused()  # announced, not focused: the agent keeps typing where they were
    expect(box).to_have_text("Half-typed")

    box.fill("Yes, still here.")
    box.press("Control+Enter")
    customer_announcer = customer.get_by_test_id("announcer")
    expect(customer_announcer).to_have_attribute("aria-live", "polite")
    expect(customer_announcer).to_have_text("Agent: Yes, still here.")

    newcomer = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    start_chat(newcomer, base_url, "Lena", "Announce", "lena.announce@example.com")
    expect(announcer).to_have_text("New Chat interaction from Lena Announce, Sophia's.")
    expect(box).to_be_focused()
    row_for(agent, "Lena Announce").click()
    wrap_up(agent)
    newcomer.context.close()


# The longest animation or transition any element of the page would run now, in seconds.
_LONGEST_MOTION = """() => Math.max(0, ...[...document.querySelectorAll("*")].flatMap(el => {
    const style = getComputedStyle(el);
    return [...style.animationDuration.split(","), ...style.transitionDuration.split(",")].map(parseFloat);
}))"""


def _closed(page: Page) -> None:
    """Escape closes the dialog, and its overlay is unmounted too (Radix waits for the exit animation to end)."""
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.wait_for_function("() => !document.querySelector('.rt-BaseDialogOverlay')")


def test_reduced_motion_stops_the_spinner_that_radix_keeps_turning(browser, base_url):
    """Radix already leaves dialogs still under reduced motion; its spinner it does not: the app's rule does."""
    page = browser.new_context().new_page()
    page.route_web_socket("**/_event**", lambda socket: None)  # no backend: "/" keeps showing its spinner
    page.goto(f"{base_url}/")
    expect(page.locator(".rt-Spinner")).to_be_visible()
    page.emulate_media(reduced_motion="no-preference")
    assert page.evaluate(_LONGEST_MOTION) >= 0.5
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(_LONGEST_MOTION) <= 0.001
    page.context.close()


def test_under_reduced_motion_dialogs_open_and_close_at_once(scene):
    page = scene.open_unverified()
    page.emulate_media(reduced_motion="reduce")
    try:
        page.get_by_role("button", name="Case Details").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        assert page.evaluate(_LONGEST_MOTION) <= 0.001
        _closed(page)  # a near-zero exit animation still ends, so nothing is left covering the page
    finally:
        page.emulate_media(reduced_motion="no-preference")
