"""The Customer Profile dialog's Save, through its real handler: the agent's own verified customer is edited and
the header shows it at once; a forged selection or a missing grant changes nothing."""

from __future__ import annotations

from sqlmodel import delete

from inbox_app.state.inbox import InboxState
from inbox_app.state.profile import ProfileState
from services import auth, chat, customer_profile
from services.models import Customer, Grant
from tests.services.factories import make_agent, make_customer, make_org
from tests.state.support import SECRET, state_for

_FORM = {"first_name": "Ellie", "last_name": "Smith", "email": "ellen.smith@example.com", "phone": "+1 415 555 0199"}


async def _world(db, clock, *, grant: bool = True):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    if not grant:
        async with db.transaction() as session:
            await session.exec(delete(Grant).where(Grant.user_id == alice.user_id,
                                                   Grant.name == customer_profile.GRANT))
    await make_agent(db, "bob", [org], available=False)
    ellen = await make_customer(db, org, external_id="ellen-smith")
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, customer=ellen)
        token = (await auth.sign_in(session, login="alice", password="pw", secret_key=SECRET, clock=clock)).token
    dialog = await state_for(ProfileState, token)
    inbox = await dialog.get_state(InboxState)
    await InboxState.on_load.fn(inbox)
    await InboxState.select.fn(inbox, started.interaction_id)
    return alice, ellen, dialog, inbox


async def _phone(db, customer_id: int) -> str:
    async with db.read() as session:
        return (await session.get(Customer, customer_id)).phone


async def test_the_agent_edits_the_profile_and_the_header_follows(wired, clock):
    _, ellen, dialog, inbox = await _world(wired, clock)
    await ProfileState.open_profile.fn(dialog)
    assert dialog.can_edit_profile and inbox.profile.first_name == "Ellen"
    await ProfileState.save_profile.fn(dialog, {**_FORM, "phone": "415 555 0199"})
    assert "country code" in dialog.profile_error and await _phone(wired, ellen.id) == "+14155550100"
    await ProfileState.save_profile.fn(dialog, _FORM)
    assert (dialog.profile_error, dialog.profile_saved) == ("", "Profile saved.")
    assert (inbox.profile.phone, inbox.profile.name, inbox.customer_name) == ("+14155550199", "Ellie Smith",
                                                                              "Ellie Smith")


async def test_a_forged_selection_or_a_missing_grant_changes_nothing(wired, clock):
    _, ellen, dialog, inbox = await _world(wired, clock)
    inbox.selected_id = 99_999  # as if the client had forced another interaction
    await ProfileState.save_profile.fn(dialog, _FORM)
    assert dialog.profile_error == "That interaction was not found." and await _phone(wired, ellen.id) == "+14155550100"


async def test_without_the_grant_the_fields_are_read_only_and_a_forged_save_is_refused(wired, clock):
    _, ellen, dialog, _ = await _world(wired, clock, grant=False)
    await ProfileState.open_profile.fn(dialog)
    assert dialog.can_edit_profile is False
    await ProfileState.save_profile.fn(dialog, _FORM)
    assert dialog.profile_error == "That customer was not found." and await _phone(wired, ellen.id) == "+14155550100"
