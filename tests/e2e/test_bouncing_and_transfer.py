"""Bouncing and transfers with two agents in two browsers: a chat the first agent does not pick up shows the
timer, then bounces to the other agent; a transfer to a team waits while no member is Available and completes
when one is; a transfer to a green team reaches its member at once. Managers maintain teams and SOPs."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import row_for, set_available, sign_in, sign_out, start_chat, wrap_up


def _save_chat_sop(manager: Page, base_url: str, organization: str, seconds: str):
    manager.goto(f"{base_url}/settings/organizations")
    form = manager.get_by_test_id("organization-settings").filter(has_text=organization)
    form.get_by_label("Chat SOP (seconds)").fill(seconds)
    form.get_by_role("button", name=f"Save {organization}").click()
    return form


def _set_chat_sop(manager: Page, base_url: str, organization: str, seconds: str) -> None:
    form = _save_chat_sop(manager, base_url, organization, seconds)
    expect(manager.get_by_role("status").filter(has_text=f"Saved {organization}.")).to_be_visible()
    expect(form.get_by_label("Chat SOP (seconds)")).to_have_value(seconds)


def test_an_interaction_not_picked_up_shows_the_timer_then_bounces_to_the_other_agent(browser: Browser, base_url,
                                                                                       shot):
    manager = browser.new_context().new_page()
    sign_in(manager, base_url, "maria")
    # Jane's only, so no other test's chats bounce; 30 s leaves the timer's three steps after the chat arrives.
    _save_chat_sop(manager, base_url, "Jane's", "3")  # refused: below the minimum, nothing saved
    expect(manager.get_by_role("alert")).to_contain_text("Chat SOP must be a whole number of seconds")
    manager.reload()
    expect(manager.get_by_test_id("organization-settings").filter(has_text="Jane's")
           .get_by_label("Chat SOP (seconds)")).to_have_value("60")
    _set_chat_sop(manager, base_url, "Jane's", "30")
    janes = manager.get_by_test_id("organization-settings").filter(has_text="Jane's")
    expect(janes.get_by_label("Time zone")).to_have_value("UTC")  # the demo is always open: no hours given
    expect(janes.get_by_label("Opens at")).to_have_value("")
    shot(manager, "organization-settings")

    alice, bob = browser.new_context().new_page(), browser.new_context().new_page()
    customer = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    sign_in(alice, base_url, "alice")
    set_available(alice)
    start_chat(customer, base_url, "Vera", "Lind", "vera.lind@example.com", org="janes")
    first = row_for(alice, "Vera Lind")
    expect(first).to_be_visible()
    sign_in(bob, base_url, "bob")
    set_available(bob)

    timer = first.get_by_test_id("bounce-timer")
    expect(timer).to_have_text("15", timeout=30_000)  # from 15 s before the SOP, from the stored deadline
    shot(alice, "bounce-timer")
    expect(timer).to_have_text("10")
    expect(timer).to_have_text("5")

    expect(first).to_have_attribute("data-inactive", "true", timeout=15_000)  # bounced away from alice
    expect(timer).to_have_count(0)
    moved = row_for(bob, "Vera Lind")
    expect(moved).to_have_attribute("data-transferred", "true")  # the transfer icon
    expect(moved).to_have_attribute("data-unread", "true")  # and the red dot
    expect(moved.get_by_test_id("transfer-icon")).to_be_visible()

    first.click()
    expect(alice.get_by_test_id("message-box")).to_have_count(0)
    expect(alice.get_by_role("button", name="Case Details")).to_have_count(0)
    expect(alice.get_by_test_id("conversation")).to_contain_text("transferred")
    note = alice.get_by_test_id("message").filter(has_text="bounced")
    expect(note).to_contain_text("Alice Andrews")
    shot(alice, "bounced-away")

    moved.click()
    expect(moved).to_have_attribute("data-unread", "false")
    expect(bob.get_by_test_id("message").filter(has_text="bounced")).to_contain_text("Alice Andrews")
    wrap_up(bob)
    expect(first).to_have_count(0)  # closed: no longer in alice's panel
    _set_chat_sop(manager, base_url, "Jane's", "60")
    for page in (alice, bob, manager):
        sign_out(page)


def test_a_transfer_waits_for_a_member_of_the_team_then_one_to_a_green_team_moves_at_once(browser: Browser,
                                                                                         base_url, shot):
    alice, bob = browser.new_context().new_page(), browser.new_context().new_page()
    customer = browser.new_context(viewport={"width": 400, "height": 740}).new_page()
    sign_in(alice, base_url, "alice")
    set_available(alice)
    start_chat(customer, base_url, "Hugo", "Lane", "hugo.lane@example.com")
    row = row_for(alice, "Hugo Lane")
    row.click()

    alice.get_by_role("button", name="Transfer").click()
    dialog = alice.get_by_role("dialog", name="Transfer Interaction")
    options = dialog.get_by_test_id("team-option")
    expect(options).to_have_count(2)  # Sophia's teams only
    returns = options.filter(has=alice.get_by_role("radio", name="Returns"))
    expect(returns).to_have_attribute("data-available", "false")  # bob is not Available: the red dot
    dialog.get_by_role("textbox", name="Search teams").fill("ret")
    expect(options).to_have_count(1)
    dialog.get_by_role("radio", name="Returns").check()
    dialog.get_by_role("button", name="Transfer").click()
    result = alice.get_by_role("dialog").filter(has_text="Awaiting transfer")
    expect(result).to_be_visible()
    result.get_by_role("button", name="OK").click()
    expect(row).to_have_attribute("data-pending-transfer", "true")
    expect(alice.get_by_test_id("message-box")).to_be_visible()  # the agent keeps conversing meanwhile

    sign_in(bob, base_url, "bob")
    set_available(bob)  # a member of Returns is Available: the transfer completes
    arrived = row_for(bob, "Hugo Lane")
    expect(arrived).to_have_attribute("data-transferred", "true")
    expect(arrived).to_have_attribute("data-unread", "true")
    expect(row).to_have_count(0)  # gone from alice's panel

    another = browser.new_context(viewport={"width": 400, "height": 740}).new_page()  # a tab resumes its own chat
    start_chat(another, base_url, "Ivy", "Moss", "ivy.moss@example.com")  # bob holds one chat: alice gets it
    second = row_for(alice, "Ivy Moss")
    second.click()
    alice.get_by_role("button", name="Transfer").click()
    expect(returns).to_have_attribute("data-available", "true")  # computed when the popup opens: green now
    dialog.get_by_role("radio", name="Returns").check()
    shot(alice, "transfer-dialog")
    dialog.get_by_role("button", name="Transfer").click()
    done = alice.get_by_role("dialog").filter(has_text="Transferred to Returns")
    expect(done).to_contain_text("Bob Baker")
    done.get_by_role("button", name="OK").click()
    expect(second).to_have_count(0)
    expect(row_for(bob, "Ivy Moss")).to_have_attribute("data-transferred", "true")

    for name in ("Hugo Lane", "Ivy Moss"):
        row_for(bob, name).click()
        expect(bob.get_by_test_id("message").filter(has_text="Transferred by Alice Andrews")).to_be_visible()
        wrap_up(bob)
    for page in (alice, bob):
        sign_out(page)


def test_a_manager_maintains_teams_and_agents_cannot(browser: Browser, base_url, shot):
    manager = browser.new_context().new_page()
    sign_in(manager, base_url, "maria")
    manager.get_by_role("link", name="Teams").click()
    manager.wait_for_url("**/settings/teams")
    teams = manager.get_by_test_id("team")
    expect(teams.filter(has_text="Returns").get_by_test_id("team-member")).to_have_text(["Bob Baker"])
    manager.get_by_label("Organization").select_option(label="Jane's")
    manager.get_by_label("Team name").fill("Loyalty")
    manager.get_by_role("button", name="Add team").click()
    loyalty = manager.locator("[data-testid=team][data-name=Loyalty]")
    expect(loyalty).to_contain_text("No members yet.")
    loyalty.get_by_label("Add member", exact=True).select_option(label="Alice Andrews")
    loyalty.get_by_role("button", name="Add member to Loyalty").click()
    expect(loyalty.get_by_test_id("team-member")).to_have_text(["Alice Andrews"])
    shot(manager, "teams")
    loyalty.get_by_role("button", name="Remove alice from Loyalty").click()
    expect(loyalty.get_by_test_id("team-member")).to_have_count(0)
    loyalty.get_by_role("button", name="Delete Loyalty").click()
    expect(loyalty).to_have_count(0)

    agent = browser.new_context().new_page()
    sign_in(agent, base_url, "alice")
    agent.goto(f"{base_url}/settings/teams")
    expect(agent.get_by_text("Only managers maintain teams.")).to_be_visible()
    expect(agent.get_by_test_id("team")).to_have_count(0)
    for page in (agent, manager):
        sign_out(page)
