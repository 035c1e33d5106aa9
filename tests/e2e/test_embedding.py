"""The Live Chat inside a retailer's page on another site: it works where the organization allows that site,
and the browser refuses the frame everywhere else. The inbox itself can never be framed."""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import set_available, sign_in, sign_out, signed_chat_url, wrap_up
from tests.e2e.server import ROOT, free_port

_README_HOST = "https://inbox.example.com"


def _readme_snippet() -> str:
    """The README's "open it from a button" snippet, exactly as a retailer would paste it."""
    readme = (ROOT / "README.md").read_text()
    return re.search(r"<!-- embed-with-button -->\n```html\n(.*?)```", readme, re.S).group(1)


def _frame_page(src: str) -> str:
    return f'<iframe id="chat-frame" title="Live Chat" src="{src}" style="width:400px;height:640px;border:0"></iframe>'


class _Retailer:
    """A retailer's website on 127.0.0.1: another site than the app's http://localhost."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = f"<!doctype html><html><head><title>Shop</title></head><body><h1>Sophia's shop</h1>" \
                       f"{pages.get(self.path, '')}</body></html>".encode()
                self.send_response(200 if self.path in pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def retailer(base_url):
    shop = _Retailer()
    shop.pages["/shop"] = _readme_snippet().replace(_README_HOST, base_url)
    shop.pages["/janes-shop"] = _readme_snippet().replace(f"{_README_HOST}/chat/sophias", f"{base_url}/chat/janes")
    shop.pages["/account"] = _frame_page(signed_chat_url(base_url))
    shop.pages["/janes"] = _frame_page(f"{base_url}/chat/janes")
    shop.pages["/inbox"] = _frame_page(f"{base_url}/inbox")
    shop.pages["/login"] = _frame_page(f"{base_url}/login")
    yield shop
    shop.server.shutdown()


# What a private window, or a browser blocking third-party storage, does to a framed site: any storage throws.
_REFUSE_FRAMED_STORAGE = """(() => {
    if (window === window.top) return;
    for (const name of ["localStorage", "sessionStorage"]) {
        Object.defineProperty(window, name, {configurable: true,
            get() { throw new DOMException("Access is denied for this document.", "SecurityError"); }});
    }
})();"""


def _shopper(browser: Browser, *, framed_storage: bool = True) -> Page:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    if not framed_storage:
        context.add_init_script(_REFUSE_FRAMED_STORAGE)
    return context.new_page()


def _start_in_frame(shop: Page, first: str, last: str, text: str):
    shop.get_by_role("button", name="Chat with us").click()
    chat = shop.frame_locator("#chat-frame")
    chat.get_by_label("First name").fill(first)
    chat.get_by_label("Last name").fill(last)
    chat.get_by_label("Email").fill(f"{first.lower()}.{last.lower()}@example.com")
    chat.get_by_role("button", name="Start chat").click()
    chat.get_by_test_id("message-box").fill(text)
    chat.get_by_role("button", name="Send").click()
    expect(chat.get_by_test_id("message").filter(has_text=text)).to_have_attribute("data-author", "customer")
    return chat


def _kept_by_shop(shop: Page):
    return shop.evaluate("() => localStorage.getItem('inbox-chat')")


def test_a_shopper_chats_ends_and_rates_inside_the_retailers_page(browser: Browser, base_url, retailer, shot):
    agent = browser.new_context().new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)

    shop = _shopper(browser)
    shop.goto(f"{retailer.url}/shop")
    expect(shop.locator("#chat-frame")).to_be_hidden()  # nothing loads until the shopper asks
    shop.get_by_role("button", name="Chat with us").click()
    chat = shop.frame_locator("#chat-frame")
    chat.get_by_label("First name").fill("Iris")
    chat.get_by_label("Last name").fill("Framewell")
    chat.get_by_label("Email").fill("iris.framewell@example.com")
    chat.get_by_role("button", name="Start chat").click()
    chat.get_by_test_id("message-box").fill("Hello from your shop page")
    chat.get_by_role("button", name="Send").click()

    row = agent.get_by_test_id("interaction-row").filter(has_text="Iris Framewell")
    expect(row).to_be_visible()
    row.click()
    expect(agent.get_by_test_id("conversation").get_by_text("Hello from your shop page")).to_be_visible()
    agent.get_by_test_id("message-box").fill("Hi Iris, how can I help?")
    agent.get_by_test_id("message-box").press("Control+Enter")
    expect(chat.get_by_test_id("message").filter(has_text="how can I help")).to_have_attribute("data-author", "agent")
    shot(shop, "framed-chat")

    chat.get_by_test_id("message-box").fill("And a second question")
    chat.get_by_role("button", name="Send").click()
    expect(agent.get_by_test_id("conversation").get_by_text("And a second question")).to_be_visible()
    # Sophia's allows any site (`*`), so the chat hands its token to no page (see the test below for resuming).
    assert _kept_by_shop(shop) is None

    chat.get_by_role("button", name="End chat").click()
    chat.get_by_test_id("csat").get_by_role("button", name="5", exact=True).click()
    expect(chat.get_by_text("Thank you for your feedback!")).to_be_visible()
    expect(agent.get_by_test_id("message").filter(has_text="The customer ended the chat.")).to_be_visible()
    wrap_up(agent)
    sign_out(agent)


def test_a_signed_in_shopper_starts_a_verified_chat_inside_the_frame(browser: Browser, base_url, retailer):
    agent = browser.new_context().new_page()
    sign_in(agent, base_url, "bob")
    set_available(agent)

    shop = _shopper(browser)
    shop.goto(f"{retailer.url}/account")
    chat = shop.frame_locator("#chat-frame")
    expect(chat.get_by_text("Hi Ellen Smith!")).to_be_visible()
    chat.get_by_role("button", name="Start chat").click()
    chat.get_by_test_id("message-box").fill("Framed and signed")
    chat.get_by_role("button", name="Send").click()

    row = agent.get_by_test_id("interaction-row").filter(has_text="Framed and signed")
    expect(row.get_by_test_id("verified-badge")).to_be_visible()
    row.click()
    agent.get_by_test_id("message-box").fill("Hello Ellen")
    agent.get_by_test_id("message-box").press("Control+Enter")
    expect(chat.get_by_test_id("message").filter(has_text="Hello Ellen")).to_be_visible()
    chat.get_by_role("button", name="End chat").click()
    expect(chat.get_by_test_id("csat")).to_be_visible()
    wrap_up(agent)
    sign_out(agent)


def _refused(page: Page, messages: list[str]) -> bool:
    """The browser refused to show the frame: it holds Chromium's error page and says why in the console."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = [frame for frame in page.frames if frame != page.main_frame]
        if children and children[0].url.startswith("chrome-error://") and any(
                "frame-ancestors" in message for message in messages):
            return True
        page.wait_for_timeout(100)
    return False


def _set_janes_origins(page: Page, origins: str) -> None:
    form = page.get_by_test_id("organization-settings").filter(has_text="Jane's")
    form.get_by_label("Allowed chat origins").fill(origins)
    form.get_by_role("button", name="Save Jane's").click()
    # "Saved Jane's." may still show from the previous save: wait for the chat page's own header instead.
    wanted = "*" if origins == "*" else " ".join(line.strip() for line in origins.splitlines() if line.strip())
    base = page.url.split("/settings/")[0]
    deadline = time.monotonic() + 10
    while page.request.get(f"{base}/chat/janes").headers["content-security-policy"].split(
            "frame-ancestors ")[-1] != wanted:
        assert time.monotonic() < deadline, f"Jane's chat never allowed {wanted!r}"
        page.wait_for_timeout(100)


def test_only_the_listed_sites_may_frame_a_chat_and_nobody_frames_the_inbox(browser: Browser, base_url, retailer,
                                                                            shot):
    manager = browser.new_context().new_page()
    sign_in(manager, base_url, "maria")
    manager.goto(f"{base_url}/settings/organizations")
    form = manager.get_by_test_id("organization-settings").filter(has_text="Jane's")
    expect(form.get_by_label("Allowed chat origins")).to_have_value("*")  # the demo allows any site
    form.get_by_label("Allowed chat origins").fill("www.janes.example")
    form.get_by_role("button", name="Save Jane's").click()
    expect(manager.get_by_text("is not a site origin")).to_be_visible()  # refused, nothing stored
    _set_janes_origins(manager, "https://www.janes.example")
    shot(manager, "organization-settings")
    try:
        shop = _shopper(browser)
        messages: list[str] = []
        shop.on("console", lambda message: messages.append(message.text))
        shop.goto(f"{retailer.url}/janes")
        assert _refused(shop, messages), messages
        expect(shop.frame_locator("#chat-frame").get_by_label("First name")).to_have_count(0)

        _set_janes_origins(manager, f"https://www.janes.example\n{retailer.url}")
        shop.reload()
        expect(shop.frame_locator("#chat-frame").get_by_label("First name")).to_be_visible()  # now listed

        for page in ("/inbox", "/login"):
            messages.clear()
            shop.goto(retailer.url + page)
            assert _refused(shop, messages), (page, messages)
    finally:
        manager.reload()
        _set_janes_origins(manager, "*")


def test_where_framed_storage_is_refused_the_chat_resumes_through_a_site_the_organization_named(
        browser: Browser, base_url, retailer, shot):
    manager = browser.new_context().new_page()
    sign_in(manager, base_url, "maria")
    manager.goto(f"{base_url}/settings/organizations")
    _set_janes_origins(manager, retailer.url)
    agent = browser.new_context().new_page()
    sign_in(agent, base_url, "alice")
    set_available(agent)
    try:
        shop = _shopper(browser, framed_storage=False)
        shop.goto(f"{retailer.url}/janes-shop")
        chat = _start_in_frame(shop, "Nina", "Nostore", "No storage in this frame")
        shop.wait_for_function("() => localStorage.getItem('inbox-chat') !== null")  # handed to the named site
        row = agent.get_by_test_id("interaction-row").filter(has_text="Nina Nostore")
        row.click()
        agent.get_by_test_id("message-box").fill("Hello Nina")
        agent.get_by_test_id("message-box").press("Control+Enter")
        expect(chat.get_by_test_id("message").filter(has_text="Hello Nina")).to_be_visible()

        shop.reload()
        shop.get_by_role("button", name="Chat with us").click()
        expect(chat.get_by_test_id("message").filter(has_text="Hello Nina")).to_be_visible()  # resumed
        framed = next(frame for frame in shop.frames if frame != shop.main_frame)
        assert framed.url == f"{base_url}/chat/janes"  # the token left the frame's address at once
        shot(shop, "resumed-without-storage")
        chat.get_by_role("button", name="End chat").click()
        expect(chat.get_by_test_id("csat")).to_be_visible()
        wrap_up(agent)

    finally:
        _set_janes_origins(manager, "*")
        sign_out(agent)
