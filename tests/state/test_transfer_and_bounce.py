"""The Transfer popup and the bounce timer through the real handlers: a transfer reaches a member of the team,
a forged team id of another organization changes nothing, and the inactive row after a bounce."""

from __future__ import annotations

from sqlmodel import select

from inbox_app.state.bounce_timer import BounceTimerState
from inbox_app.state.inbox import InboxState
from inbox_app.state.transfer import TransferState
from services import auth, bouncing
from services.models import Interaction, TransferRequest
from tests.services.factories import make_agent, make_org, make_team, new_chat
from tests.state.support import SECRET, state_for


async def _signed_in(db, clock, login: str) -> str:
    async with db.transaction() as session:
        return (await auth.sign_in(session, login=login, password="pw", secret_key=SECRET, clock=clock)).token


async def test_a_transfer_through_the_popup_reaches_a_member_and_leaves_the_panel(wired, clock):
    org = await make_org(wired)
    alice = await make_agent(wired, "alice", [org])
    chat = await new_chat(wired, org, clock)
    bob = await make_agent(wired, "bob", [org])
    returns = await make_team(wired, org, "Returns", bob)
    await make_team(wired, org, "Escalations")
    popup = await state_for(TransferState, await _signed_in(wired, clock, "alice"))
    inbox = await popup.get_state(InboxState)
    await InboxState.on_load.fn(inbox)
    await InboxState.select.fn(inbox, chat.id)
    assert inbox.can_transfer
    await TransferState.open_transfer.fn(popup)
    assert popup.open and [(o.name, o.available) for o in popup.options] == [("Escalations", False),
                                                                            ("Returns", True)]
    assert "/login" not in str(await TransferState.submit.fn(popup))
    assert popup.error == "Choose a team." and popup.open
    TransferState.set_team_id.fn(popup, str(returns.id))
    await TransferState.submit.fn(popup)
    assert (popup.result_open, popup.result_team, popup.result_agent) == (True, "Returns", "Bob")
    assert inbox.rows == [] and inbox.selected_id == 0
    async with wired.read() as session:
        assert (await session.get(Interaction, chat.id)).assignee_id == bob.user_id


async def test_a_forged_team_id_of_another_organization_changes_nothing(wired, clock):
    org, janes = await make_org(wired), await make_org(wired, "janes", "Jane's")
    await make_agent(wired, "alice", [org])
    chat = await new_chat(wired, org, clock)
    bob = await make_agent(wired, "bob", [janes])
    theirs = await make_team(wired, janes, "Escalations", bob)
    popup = await state_for(TransferState, await _signed_in(wired, clock, "alice"))
    inbox = await popup.get_state(InboxState)
    await InboxState.select.fn(inbox, chat.id)
    await TransferState.open_transfer.fn(popup)
    assert popup.options == []  # only the interaction's organization's teams
    TransferState.set_team_id.fn(popup, str(theirs.id))
    await TransferState.submit.fn(popup)
    assert popup.error == "That team was not found." and not popup.result_open
    async with wired.read() as session:
        assert (await session.get(Interaction, chat.id)).assignee_id != bob.user_id
        assert (await session.exec(select(TransferRequest))).all() == []


async def test_the_timer_and_the_inactive_row_after_a_bounce(wired, clock):
    org = await make_org(wired)
    await make_agent(wired, "alice", [org])
    chat = await new_chat(wired, org, clock)
    await make_agent(wired, "bob", [org])
    inbox = await state_for(InboxState, await _signed_in(wired, clock, "alice"))
    timer = await inbox.get_state(BounceTimerState)
    await InboxState.on_load.fn(inbox)
    assert timer.seconds == {}
    clock.advance(seconds=50)
    await timer._on_change({"bounce-timer:1"})
    assert timer.seconds == {str(chat.id): 10}
    clock.advance(seconds=10)
    await bouncing.bounce_due(wired, clock=clock)
    await inbox._on_change({f"agent:{chat.assignee_id}"})
    [row] = inbox.rows
    assert (row.inactive, row.unread, row.transferred) == (True, False, False) and timer.seconds == {}
    await InboxState.select.fn(inbox, chat.id)
    assert inbox.selected_inactive and any("bounced" in i.body for i in inbox.items)
