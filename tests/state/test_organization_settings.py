"""The organization settings form, through its real handler: the chatbot secret is written from the form, never
read back into the page, kept by a blank box, and refused to anyone without the grant or for a foreign id."""

from __future__ import annotations

from inbox_app.state.organization_settings import OrganizationSettingsState
from services import auth
from services.models import Grant, Organization
from services.organization_settings import GRANT
from tests.services.factories import make_agent, make_org
from tests.state.support import SECRET, state_for

_BOT_SECRET = "a-long-enough-bot-secret"


async def _signed_in(db, clock, login: str, org, *, manager: bool) -> str:
    user = await make_agent(db, login, [org])
    async with db.transaction() as session:
        if manager:
            session.add(Grant(user_id=user.user_id, name=GRANT))
            await session.flush()
        return (await auth.sign_in(session, login=login, password="pw", secret_key=SECRET, clock=clock)).token


def _form(org_id, **changes) -> dict:
    form = {"organization_id": str(org_id), "appease_limit": "50.00", "allowed_chat_origins": "",
            "sop_chat": "60", "sop_sms": "300", "sop_whatsapp": "300", "sop_email": "3600",
            "opens_at": "", "closes_at": "", "timezone": "UTC", "sms_number": "", "whatsapp_number": "",
            "chat_inactivity_minutes": "15", "chatbot_secret": ""}
    return {**form, **changes}


async def _stored_secret(db, org_id: int) -> str:
    async with db.read() as session:
        return (await session.get(Organization, org_id)).chatbot_secret


async def test_a_manager_sets_the_chatbot_secret_from_the_form_and_it_never_comes_back(wired, clock):
    org = await make_org(wired)
    page = await state_for(OrganizationSettingsState, await _signed_in(wired, clock, "maria", org, manager=True))
    await OrganizationSettingsState.load.fn(page)
    assert page.allowed and page.organizations[0].chatbot_secret_set is False

    await OrganizationSettingsState.save.fn(page, _form(org.id, chatbot_secret=f"  {_BOT_SECRET} "))
    assert (page.error, page.saved) == ("", f"Saved {org.name}.")
    assert page.organizations[0].chatbot_secret_set is True
    assert _BOT_SECRET not in repr(page.dict())  # the page's state never carries the secret back to a browser
    assert await _stored_secret(wired, org.id) == _BOT_SECRET

    await OrganizationSettingsState.save.fn(page, _form(org.id))  # a blank box keeps it
    assert page.error == "" and await _stored_secret(wired, org.id) == _BOT_SECRET

    await OrganizationSettingsState.save.fn(page, _form(org.id, chatbot_secret="short"))
    assert "chatbot secret" in page.error and page.saved == ""
    assert await _stored_secret(wired, org.id) == _BOT_SECRET


async def test_without_the_grant_or_for_a_foreign_organization_nothing_changes(wired, clock):
    org = await make_org(wired)
    other = await make_org(wired, slug="janes", name="Jane's")
    agent = await state_for(OrganizationSettingsState, await _signed_in(wired, clock, "alice", org, manager=False))
    await OrganizationSettingsState.save.fn(agent, _form(org.id, chatbot_secret=_BOT_SECRET))
    assert agent.error == "That organization was not found." and agent.saved == ""

    manager = await state_for(OrganizationSettingsState, await _signed_in(wired, clock, "maria", org, manager=True))
    await OrganizationSettingsState.save.fn(manager, _form(other.id, chatbot_secret=_BOT_SECRET))
    assert manager.error == "That organization was not found."
    await OrganizationSettingsState.save.fn(manager, _form("not-a-number", chatbot_secret=_BOT_SECRET))
    assert manager.error == "That organization was not found."
    assert not await _stored_secret(wired, org.id) and not await _stored_secret(wired, other.id)
