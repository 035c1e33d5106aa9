"""Steps shared by the end-to-end tests, written as an agent or a customer would do them."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect


def agent_and_customer(browser: Browser) -> tuple[Page, Page]:
    """Two separate browser contexts: an agent on a desktop screen, a customer on a phone-sized one."""
    agent = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    customer = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    return agent, customer


def available_agent_and_customer(browser: Browser, base_url: str, user: str = "alice") -> tuple[Page, Page]:
    """The usual opening: `user` signed in and Available, and a customer's browser beside them."""
    agent, customer = agent_and_customer(browser)
    sign_in(agent, base_url, user)
    set_available(agent)
    return agent, customer


def sign_in(page: Page, base_url: str, user: str, password: str = "demo-pass") -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("User ID").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox**")


def set_available(page: Page) -> None:
    toggle = page.get_by_test_id("availability")
    expect(toggle).to_have_text("Unavailable")
    toggle.click()
    expect(toggle).to_have_text("Available")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")


def start_chat(page: Page, base_url: str, first: str, last: str, email: str = "", org: str = "sophias",
               phone: str = "") -> None:
    page.goto(f"{base_url}/chat/{org}")
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Phone").fill(phone)
    page.get_by_role("button", name="Start chat").click()
    expect(page.get_by_test_id("message-box")).to_be_visible()


def customer_says(page: Page, text: str) -> None:
    page.get_by_test_id("message-box").fill(text)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("message").filter(has_text=text)).to_have_attribute("data-author", "customer")


def row_for(page: Page, customer_name: str):
    return page.get_by_test_id("interaction-row").filter(has=page.get_by_test_id("customer-name").get_by_text(customer_name, exact=True))


def signed_chat_url(base_url: str, external_id: str = "ellen-smith", org: str = "sophias",
                    secret: str = "sophias-demo-secret") -> str:
    """The retailer's site signs the customer's identity: HMAC-SHA256 over '{org}:{external_id}'."""
    import hashlib
    import hmac

    signature = hmac.new(secret.encode(), f"{org}:{external_id}".encode(), hashlib.sha256).hexdigest()
    return f"{base_url}/chat/{org}?customer={external_id}&signature={signature}"


def row_saying(page: Page, sentence: str):
    """The panel row whose last sentence is this one: unique even when a customer has several rows."""
    return page.get_by_test_id("interaction-row").filter(has_text=sentence)


def wrap_up(page: Page, category: str = "General", subcategory: str = "Other", follow_up: bool = False) -> None:
    """Wrap up the selected interaction; tests end this way so the agent's capacity is free for the next."""
    page.get_by_role("button", name="Wrap Up").click()
    dialog = page.get_by_role("dialog", name="Wrap Up")
    dialog.get_by_label("Category", exact=True).select_option(category)
    dialog.get_by_label("Subcategory").select_option(subcategory)
    if follow_up:
        dialog.get_by_role("checkbox", name="Follow Up Required").click()
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog).to_be_hidden()


def attach(page: Page, *chosen: tuple[str, str, bytes]) -> None:
    """Files (name, type, bytes) through the real file chooser that `Attach` opens."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach", exact=True).click()
    chooser.value.set_files([{"name": name, "mimeType": mime, "buffer": data} for name, mime, data in chosen])
