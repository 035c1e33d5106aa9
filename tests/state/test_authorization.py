"""Any client can call any public handler with any arguments: each one derives the user from the server-side
session and checks every id. These tests call the real handlers directly, as a forged client would."""

from __future__ import annotations

from sqlmodel import select

from inbox_app.state.inbox import InboxState
from inbox_app.state.session import SessionState
from inbox_app.state.wrap_up import WrapUpState
from services import auth
from services.models import Interaction, Message, User
from tests.services.factories import make_agent, make_org, new_chat
from tests.state.support import SECRET, state_for

_state = state_for


async def _forced(dialog) -> InboxState:
    """The inbox beside a popup, whose selected id a forged client can set."""
    return await dialog.get_state(InboxState)


async def _world(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org], capacity=1)
    bob = await make_agent(db, "bob", [org], capacity=1)
    first = await new_chat(db, org, clock, email="1@example.com")
    second = await new_chat(db, org, clock, email="2@example.com")
    bobs = first if first.assignee_id == bob.user_id else second
    async with db.transaction() as session:
        token = (await auth.sign_in(session, login="alice", password="pw", secret_key=SECRET, clock=clock)).token
    return alice, bobs, token


async def _unchanged(db, interaction_id: int) -> None:
    async with db.read() as session:
        interaction = await session.get(Interaction, interaction_id)
        messages = (await session.exec(select(Message).where(Message.interaction_id == interaction_id,
                                                             Message.author == "agent"))).all()
    assert interaction.state == "assigned" and interaction.selected_at is None and messages == []


async def test_no_session_is_sent_to_sign_in_and_changes_nothing(wired, clock):
    alice, bobs, _ = await _world(wired, clock)
    async with wired.transaction() as session:
        (await session.get(User, alice.user_id)).available = True
    inbox = await _state(InboxState)
    for result in (await InboxState.select.fn(inbox, bobs.id), await InboxState.on_load.fn(inbox),
                   await SessionState.toggle_availability.fn(inbox)):
        assert "/login" in str(result)
    inbox.selected_id, inbox.draft = bobs.id, "forged"
    assert "/login" in str(await InboxState.send.fn(inbox))
    assert inbox.rows == [] and inbox.items == []
    await _unchanged(wired, bobs.id)
    async with wired.read() as session:
        assert (await session.get(User, alice.user_id)).available is True  # untouched by the anonymous toggle


async def test_a_signed_in_agent_cannot_touch_another_agents_interaction(wired, clock):
    _, bobs, token = await _world(wired, clock)
    inbox = await _state(InboxState, token)
    await InboxState.select.fn(inbox, bobs.id)
    assert inbox.notice == "That interaction was not found." and inbox.selected_id == 0
    await InboxState.select.fn(inbox, "not-a-number")
    assert inbox.selected_id == 0

    inbox.selected_id, inbox.draft = bobs.id, "forged message"  # as if the client had forced the id
    await InboxState.send.fn(inbox)
    assert inbox.notice == "That interaction was not found."

    wrap = await _state(WrapUpState, token)
    (await _forced(wrap)).selected_id = bobs.id
    wrap.category, wrap.subcategory = "Order", "Return"
    await WrapUpState.submit.fn(wrap)
    assert wrap.error == "That interaction was not found."
    await _unchanged(wired, bobs.id)


async def test_a_forged_session_token_is_not_a_session(wired, clock):
    _, bobs, _ = await _world(wired, clock)
    inbox = await _state(InboxState, "forged-token")
    assert "/login" in str(await InboxState.select.fn(inbox, bobs.id))
    await _unchanged(wired, bobs.id)


async def test_header_handlers_refuse_another_agents_interaction_and_change_nothing(wired, clock):
    from inbox_app.state.case_details import CaseDetailsState
    from inbox_app.state.profile import ProfileState
    from inbox_app.state.quick_actions import QuickActionState
    from inbox_app.state.verify import VerifyState
    from services.customer_header import RecentOrder
    from services.models import Case, CustomerNote, OtpChallenge

    _, bobs, token = await _world(wired, clock)
    verify = await _state(VerifyState, token)
    inbox = await _forced(verify)
    inbox.selected_id = bobs.id  # as if the client had forced the id
    await VerifyState.open_verify.fn(verify)
    assert inbox.notice == "That interaction was not found." and not verify.verify_open
    await VerifyState.check.fn(verify, {"passcode": "123456"})
    assert verify.verify_error == "That interaction was not found."

    actions = await _state(QuickActionState, token)
    forced = await _forced(actions)
    forced.selected_id, forced.order, actions.action = bobs.id, RecentOrder(order_id=1), "cancel"
    await QuickActionState.confirm.fn(actions)
    assert actions.action_error == "That interaction was not found."

    details = await _state(CaseDetailsState, token)
    (await _forced(details)).selected_id, details.case_notes = bobs.id, "forged notes"
    await CaseDetailsState.save_case_notes.fn(details)
    assert details.case_error == "That interaction was not found."

    profile = await _state(ProfileState, token)
    (await _forced(profile)).selected_id, profile.note_draft = bobs.id, "forged note"
    await ProfileState.add_note.fn(profile)
    assert profile.note_error == "That interaction was not found."

    async with wired.read() as session:
        case = await session.get(Case, bobs.case_id)
        assert case.notes == ""
        assert (await session.exec(select(CustomerNote))).all() == []
        assert (await session.exec(select(OtpChallenge))).all() == []
    await _unchanged(wired, bobs.id)


async def test_a_recommendation_is_taken_from_the_server_not_the_client(wired, clock):
    from services.customer_header import Picture

    inbox = await _state(InboxState)
    inbox.recommendations = [Picture(name="Mug", image_path="/items/mug.svg", url="https://shop.example.com/mug")]
    InboxState.use_recommendation.fn(inbox, 5)
    InboxState.use_recommendation.fn(inbox, "javascript:alert(1)")
    assert inbox.draft == ""
    InboxState.use_recommendation.fn(inbox, 0)
    assert inbox.draft == "https://shop.example.com/mug"


async def test_signing_out_elsewhere_stops_this_connections_next_event(wired, clock):
    _, bobs, token = await _world(wired, clock)
    inbox = await _state(InboxState, token)
    await InboxState.on_load.fn(inbox)
    assert inbox.display_name == "Alice"  # signed in, and the identity is now cached on the connection
    async with wired.transaction() as session:  # the same user signs out in another tab
        await auth.sign_out(session, token=token, secret_key=SECRET, clock=clock)
    assert "/login" in str(await InboxState.set_tab.fn(inbox, "done"))
    assert inbox.rows == []
