"""The Response Templates popup, the chips and Search templates, and /settings/templates through the real
handlers, as a (possibly forged) client would call them: another agent's template, another organization's
and a base template are refused and change nothing."""

from __future__ import annotations

from sqlmodel import select

from inbox_app.state.inbox import InboxState
from inbox_app.state.quick_responses import QuickResponsesState
from inbox_app.state.templates import TemplatesState
from inbox_app.state.templates_settings import TemplatesSettingsState
from services import auth
from services.models import Grant, ResponseTemplate, User
from services.templates import GRANT
from tests.services.factories import make_agent, make_org, new_chat
from tests.state.support import SECRET, state_for

_FORM = {"name": "Refund timing", "body": "Hi {customer_first_name}, refunds take 5 days. {agent_first_name}, "
         "{organization}", "chat": "on", "text": "on", "quick_response": "on", "display_sequence": "1"}


async def _token(db, clock, login: str) -> str:
    async with db.transaction() as session:
        return (await auth.sign_in(session, login=login, password="pw", secret_key=SECRET, clock=clock)).token


async def _template(db, org, name: str, owner=None, *, channels: str = "chat,sms,whatsapp,email") -> int:
    async with db.transaction() as session:
        template = ResponseTemplate(organization_id=org.id, owner_user_id=owner.user_id if owner else None,
                                    name=name, body=f"{name} body", channels=channels, quick_response=True,
                                    display_sequence=1)
        session.add(template)
        await session.flush()
        return template.id


async def _rows(db) -> list[tuple]:
    async with db.read() as session:
        return sorted((t.id, t.name, t.body, t.owner_user_id) for t in (await session.exec(select(ResponseTemplate))))


async def _world(db, clock):
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    alice = await make_agent(db, "alice", [sophias, janes])
    bob = await make_agent(db, "bob", [sophias])
    base = await _template(db, sophias, "One moment please")
    theirs = await _template(db, sophias, "Bob's own", bob)
    other_org = await _template(db, janes, "Jane's base")
    chat = await new_chat(db, sophias, clock, first="Ellen")
    if chat.assignee_id != alice.user_id:
        chat = await new_chat(db, sophias, clock, first="Ellen", email="ellen2@example.com")
    return sophias, alice, chat, {"base": base, "theirs": theirs, "other_org": other_org}


async def _popup(db, clock, chat_id: int):
    popup = await state_for(TemplatesState, await _token(db, clock, "alice"))
    inbox = await popup.get_state(InboxState)
    await InboxState.on_load.fn(inbox)
    await InboxState.select.fn(inbox, chat_id)
    return popup, inbox, await popup.get_state(QuickResponsesState)


async def test_an_agent_creates_a_quick_response_sees_its_chip_and_uses_it_with_variables_filled(wired, clock):
    sophias, alice, chat, ids = await _world(wired, clock)
    popup, inbox, quick = await _popup(wired, clock, chat.id)
    await QuickResponsesState.load.fn(quick)
    assert [c.name for c in quick.chips] == ["One moment please"]  # not Bob's, not Jane's
    await TemplatesState.open_templates.fn(popup)
    assert popup.open and popup.organization_id == str(sophias.id)  # the selected interaction's organization
    assert [o.name for o in popup.organizations] == ["Jane's", "Sophia's"]
    assert popup.mine == [] and [t.name for t in popup.base] == ["One moment please"]
    TemplatesState.copy_base.fn(popup, ids["base"])  # Copy: a new response starting from the base template
    assert (popup.form_open, popup.editing_id, popup.form_name, popup.form_body) == (
        True, 0, "One moment please (my copy)", "One moment please body")
    TemplatesState.new_response.fn(popup)
    reload_chips = await TemplatesState.save.fn(popup, {**_FORM, "name": "One Moment Please"})
    assert "unique name" in popup.error and popup.form_open and reload_chips is None
    assert await TemplatesState.save.fn(popup, _FORM) is not None  # asks the chips to reload
    assert popup.error == "" and [t.name for t in popup.mine] == ["Refund timing"]
    await QuickResponsesState.load.fn(quick)
    assert [c.name for c in quick.chips] == ["Refund timing", "One moment please"]  # custom before base
    inbox.draft = "Hello. "
    await QuickResponsesState.use.fn(quick, quick.chips[0].template_id, 7)
    assert inbox.draft == "Hello. Hi Ellen, refunds take 5 days. Alice, Sophia's"
    assert quick.flag == ""


async def test_search_offers_the_organizations_templates_and_inserts_at_the_cursor_flagging_unknown_variables(
        wired, clock):
    sophias, alice, chat, ids = await _world(wired, clock)
    async with wired.transaction() as session:
        session.add(ResponseTemplate(organization_id=sophias.id, owner_user_id=alice.user_id, name="Research",
                                     body="Let me research that, {customer_frist_name}.", channels="chat"))
    _, inbox, quick = await _popup(wired, clock, chat.id)
    await QuickResponsesState.load.fn(quick)
    await QuickResponsesState.search_for.fn(quick, "reserch")
    assert [r.name for r in quick.results][:1] == ["Research"]
    assert "Bob's own" not in [r.name for r in quick.results] and "Jane's base" not in [r.name for r in quick.results]
    inbox.draft = "Sure. Thanks"
    await QuickResponsesState.use.fn(quick, quick.results[0].template_id, 6)
    assert inbox.draft == "Sure. Let me research that, {customer_frist_name}.Thanks"
    assert "{customer_frist_name}" in quick.flag and quick.query == "" and quick.results == []
    assert inbox.formatted_composer  # a chat: the draft is the formatted box's HTML, the caret counts its text
    inbox.draft = "<b>Sure &amp; thanks.</b> Bye"
    await QuickResponsesState.search_for.fn(quick, "reserch")
    await QuickResponsesState.use.fn(quick, quick.results[0].template_id, 14)  # after "thanks."
    assert inbox.draft == "<b>Sure &amp; thanks.</b>Let me research that, {customer_frist_name}. Bye"


async def test_forged_template_ids_are_refused_and_change_nothing(wired, clock):
    _, alice, chat, ids = await _world(wired, clock)
    popup, inbox, quick = await _popup(wired, clock, chat.id)
    await TemplatesState.open_templates.fn(popup)
    await QuickResponsesState.load.fn(quick)
    before = await _rows(wired)
    for forged in (ids["theirs"], ids["other_org"], ids["base"], 99_999):
        await TemplatesState.edit.fn(popup, forged)
        assert popup.error == "That response was not found." and not popup.form_open
        await TemplatesState.delete.fn(popup, forged)
        assert popup.error == "That response was not found."
        popup.editing_id = forged  # as if a client had forced the form onto it
        await TemplatesState.save.fn(popup, {**_FORM, "name": "Forged"})
        assert popup.error == "That response was not found."
        popup.editing_id = 0
    for forged in (ids["theirs"], ids["other_org"], 99_999):  # nor can they be put into the message box
        inbox.draft = ""
        await QuickResponsesState.use.fn(quick, forged, 0)
        assert inbox.draft == "" and "not available" in quick.flag
    TemplatesState.copy_base.fn(popup, ids["other_org"])  # only a base template the popup listed
    assert not popup.form_open
    await TemplatesState.set_organization_id.fn(popup, "99")  # an organization alice does not serve
    assert popup.organization_id != "99"
    popup.organization_id = "99"  # forced anyway: creating there is refused
    await TemplatesState.save.fn(popup, {**_FORM, "name": "Elsewhere"})
    assert popup.error == "That organization was not found."
    assert await _rows(wired) == before


async def test_a_manager_with_the_grant_maintains_any_agents_and_the_base_templates(wired, clock):
    sophias, alice, chat, ids = await _world(wired, clock)
    maria = await make_agent(wired, "maria", [sophias])
    async with wired.transaction() as session:
        (await session.get(User, maria.user_id)).role = "manager"
        session.add(Grant(user_id=maria.user_id, name=GRANT))
    page = await state_for(TemplatesSettingsState, await _token(wired, clock, "maria"))
    await TemplatesSettingsState.load.fn(page)
    assert page.allowed
    assert {(t.name, t.base, t.owner_name) for t in page.rows} == {("One moment please", True, ""),
                                                                    ("Bob's own", False, "Bob")}
    await TemplatesSettingsState.edit.fn(page, ids["theirs"])
    await TemplatesSettingsState.save.fn(page, {**_FORM, "name": "Bob's edited"})
    TemplatesSettingsState.new_base_template.fn(page)
    await TemplatesSettingsState.save.fn(page, {**_FORM, "name": "Base added"})
    await TemplatesSettingsState.delete.fn(page, ids["base"])
    await TemplatesSettingsState.delete.fn(page, ids["other_org"])  # Jane's: not maria's organization
    assert page.error == "That response was not found."
    assert [r[1] for r in await _rows(wired)] == ["Bob's edited", "Jane's base", "Base added"]

    agent_page = await state_for(TemplatesSettingsState, await _token(wired, clock, "alice"))
    await TemplatesSettingsState.load.fn(agent_page)
    assert not agent_page.allowed and agent_page.rows == []
    await TemplatesSettingsState.delete.fn(agent_page, ids["theirs"])
    assert agent_page.error == "That response was not found."
