"""Wrap Up pre-selects the classifier's category, marked suggested, only while the case has none: a category
already set on the case is what Wrap Up shows."""

from __future__ import annotations

from inbox_app.state.inbox import InboxState
from inbox_app.state.wrap_up import WrapUpState
from services import auth, chat
from services.models import Case, Interaction, Organization, WrapUpCategory
from tests.services.factories import make_agent, make_org
from tests.state.support import SECRET, state_for


async def _wrap_up_opened(db, clock, case_category: str = ""):
    org = await make_org(db)  # its wrap-up list has Order / Return
    await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        session.add(WrapUpCategory(organization_id=org.id, category="General", subcategory="Other"))
        started = await chat.start_chat(session, organization=await session.get(Organization, org.id),
                                        secret_key=SECRET, clock=clock, first_name="Pat", last_name="Lee",
                                        email="pat@example.com")
    async with db.transaction() as session:
        await chat.send_in_chat(session, interaction_id=started.interaction_id, clock=clock,
                                body="The boots are too small, I want to return the order for a refund.")
        if case_category:
            case = await session.get(Case, (await session.get(Interaction, started.interaction_id)).case_id)
            case.category, case.subcategory = case_category, "Other"
            session.add(case)
        token = (await auth.sign_in(session, login="alice", password="pw", secret_key=SECRET, clock=clock)).token
    inbox = await state_for(InboxState, token)
    await InboxState.on_load.fn(inbox)
    await InboxState.select.fn(inbox, started.interaction_id)
    wrap_up = await inbox.get_state(WrapUpState)
    await WrapUpState.start.fn(wrap_up)
    return wrap_up


async def test_a_case_without_a_category_gets_the_suggestion(wired, clock):
    wrap_up = await _wrap_up_opened(wired, clock)
    assert (wrap_up.category, wrap_up.subcategory, wrap_up.suggested) == ("Order", "Return", True)
    WrapUpState.set_category.fn(wrap_up, "General")  # the agent changes it: no longer the suggestion
    assert wrap_up.suggested is False


async def test_a_category_already_set_on_the_case_is_never_overwritten(wired, clock):
    wrap_up = await _wrap_up_opened(wired, clock, case_category="General")
    assert (wrap_up.category, wrap_up.subcategory, wrap_up.suggested) == ("General", "Other", False)
