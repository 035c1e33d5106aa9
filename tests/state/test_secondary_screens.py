"""The secondary screens' handlers, called as a forged client would: another brand's order, a forced
interaction id, unknown screens and missing grants are refused, and nothing changes."""

from __future__ import annotations

from sqlmodel import delete, select

import inbox_app.screens.catalog  # noqa: F401 - registers the screens, as the inbox page does
from inbox_app.screens.case_screen import CaseScreenState
from inbox_app.screens.customer_dashboard import DashboardState
from inbox_app.screens.navigation import ScreenState
from inbox_app.screens.order_edit import OrderEditState
from inbox_app.screens.order_status import OrderStatusState
from inbox_app.state.inbox import InboxState
from services import auth, chat
from services.models import Case, Customer, Grant, Interaction, OrderLine
from tests.services.factories import make_agent, make_customer, make_org, new_chat
from tests.services.test_secondary_screens import _orders
from tests.state.support import SECRET, state_for


async def _signed_in(db, clock, *, without: str = ""):
    """Alice with Ellen's verified chat selected; Ellen at Jane's has her own orders."""
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    alice = await make_agent(db, "alice", [sophias, janes])
    ellen, ellen_j = (await make_customer(db, sophias, external_id="ellen"),
                      await make_customer(db, janes, external_id="ellen"))
    own, other = (await _orders(db, clock, sophias, ellen, 1, prefix="SO"),
                  await _orders(db, clock, janes, ellen_j, 1, prefix="JA"))
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=sophias, secret_key="k", clock=clock, customer=ellen)
        if without:
            await session.exec(delete(Grant).where(Grant.user_id == alice.user_id, Grant.name == without))
        token = (await auth.sign_in(session, login="alice", password="pw", secret_key=SECRET, clock=clock)).token
    inbox = await state_for(InboxState, token)
    await InboxState.on_load.fn(inbox)
    await InboxState.select.fn(inbox, started.interaction_id)
    return inbox, own[0], other[0], sophias


async def _quantities(db, order_id):
    async with db.read() as session:
        return [line.quantity for line in (await session.exec(select(OrderLine).where(
            OrderLine.order_id == order_id).order_by(OrderLine.line_no))).all()]


async def test_screens_open_per_interaction_and_back_to_inbox_closes_only_that_one(wired, clock):
    inbox, own, _, org = await _signed_in(wired, clock)
    nav, dashboard = await inbox.get_state(ScreenState), await inbox.get_state(DashboardState)
    await DashboardState.open_dashboard.fn(dashboard)
    first = inbox.selected_id
    assert nav.open_screens == {str(first): "customer-dashboard"} and dashboard.orders[0].order_number == "SO-0"
    await ScreenState.open_screen.fn(nav, "no-such-screen")
    assert nav.open_screens == {str(first): "customer-dashboard"}
    other = await new_chat(wired, org, clock, email="pat@example.com")
    async with wired.transaction() as session:  # a second interaction of alice's
        mine = await session.get(Interaction, other.id)
        mine.state, mine.assignee_id = "assigned", (await session.get(Interaction, first)).assignee_id
    await InboxState.select.fn(inbox, other.id)
    assert inbox.selected_id == other.id
    await ScreenState.back_to_inbox.fn(nav)  # on the other interaction: the first keeps its screen
    assert nav.open_screens == {str(first): "customer-dashboard"}
    await InboxState.select.fn(inbox, first)
    await ScreenState.back_to_inbox.fn(nav)
    assert nav.open_screens == {}


async def test_another_brands_order_is_refused_and_opens_nothing(wired, clock):
    inbox, _, janes_order, _ = await _signed_in(wired, clock)
    status, edit = await inbox.get_state(OrderStatusState), await inbox.get_state(OrderEditState)
    for forged in (janes_order.id, 10 ** 9):
        await OrderStatusState.open_order.fn(status, forged)
        await OrderEditState.open_edit.fn(edit, forged)
    nav = await inbox.get_state(ScreenState)
    assert nav.open_screens == {} and status.view.order_id == 0 and edit.lines == []
    assert "not found" in status.status_error and "not found" in edit.edit_error
    assert await _quantities(wired, janes_order.id) == [1, 1, 1]


async def test_a_forced_interaction_id_is_refused_by_every_screen(wired, clock):
    inbox, own, _, org = await _signed_in(wired, clock)
    bob = await make_agent(wired, "bob", [org])
    bobs = await new_chat(wired, org, clock, email="bob-customer@example.com")
    async with wired.transaction() as session:
        (await session.get(Interaction, bobs.id)).assignee_id = bob.user_id
    inbox.selected_id = bobs.id
    dashboard, case = await inbox.get_state(DashboardState), await inbox.get_state(CaseScreenState)
    await DashboardState.open_dashboard.fn(dashboard)
    await CaseScreenState.open_case.fn(case)
    case.notes = "forged"
    await CaseScreenState.save_case.fn(case)
    assert (await inbox.get_state(ScreenState)).open_screens == {} and dashboard.orders == []
    async with wired.read() as session:
        assert (await session.get(Case, bobs.case_id)).notes == ""


async def test_order_edit_through_the_handlers_and_without_the_grant(wired, clock):
    inbox, own, _, _ = await _signed_in(wired, clock)
    edit = await inbox.get_state(OrderEditState)
    await OrderEditState.open_edit.fn(edit, own.id)
    first = edit.lines[0].line_id
    OrderEditState.change_quantity.fn(edit, first, "3")
    OrderEditState.change_quantity.fn(edit, 10 ** 9, "5")  # a line not on this order changes nothing
    assert (edit.total, edit.dirty) == ("$80.00", True)
    await ScreenState.back_to_inbox.fn(await inbox.get_state(ScreenState))
    assert edit.asking_to_leave and (await inbox.get_state(ScreenState)).open_screens  # asks first
    OrderEditState.keep_editing.fn(edit)
    await OrderEditState.confirm_changes.fn(edit)
    assert await _quantities(wired, own.id) == [3, 1, 1] and not edit.dirty


async def test_without_order_edit_the_editor_does_not_open_and_nothing_is_saved(wired, clock):
    inbox, own, _, _ = await _signed_in(wired, clock, without="order_edit")
    edit = await inbox.get_state(OrderEditState)
    await OrderEditState.open_edit.fn(edit, own.id)
    assert "grant" in edit.edit_error and edit.lines == []
    await OrderEditState.confirm_changes.fn(edit)
    assert await _quantities(wired, own.id) == [1, 1, 1]


async def test_without_case_edit_the_case_is_read_only(wired, clock):
    inbox, _, _, _ = await _signed_in(wired, clock, without="case_edit")
    case = await inbox.get_state(CaseScreenState)
    await CaseScreenState.open_case.fn(case)
    assert case.view.case_id and not case.view.editable
    CaseScreenState.set_notes.fn(case, "forged")
    await CaseScreenState.save_case.fn(case)
    assert "grant" in case.case_error
    async with wired.read() as session:
        assert (await session.get(Case, case.view.case_id)).notes == ""


async def _second_interaction(db, clock, inbox, org):
    """Ellen writes in a second chat, assigned to the same agent: two interactions, one order."""
    async with db.transaction() as session:
        first = await session.get(Interaction, inbox.selected_id)
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock,
                                        customer=await session.get(Customer, first.customer_id))
        second = await session.get(Interaction, started.interaction_id)
        second.state, second.assignee_id = "assigned", first.assignee_id
    return started.interaction_id


async def test_each_interaction_keeps_its_own_order_edit_draft_and_leaving_it_asks_first(wired, clock):
    inbox, own, _, org = await _signed_in(wired, clock)
    first, second = inbox.selected_id, await _second_interaction(wired, clock, inbox, org)
    nav, edit = await inbox.get_state(ScreenState), await inbox.get_state(OrderEditState)
    dashboard, case = await inbox.get_state(DashboardState), await inbox.get_state(CaseScreenState)
    await OrderEditState.open_edit.fn(edit, own.id)
    line = edit.lines[0].line_id
    OrderEditState.change_quantity.fn(edit, line, "3")
    await InboxState.select.fn(inbox, second)  # switching interactions in the panel discards nothing
    await OrderEditState.open_edit.fn(edit, own.id)
    assert edit.lines[0].quantity == 1 and not edit.dirty  # the second interaction's own, fresh draft
    OrderEditState.change_quantity.fn(edit, line, "5")
    await InboxState.select.fn(inbox, first)
    await OrderEditState.load.fn(edit)  # the screen mounts again for the first interaction
    assert (nav.open_screens[str(first)], edit.lines[0].quantity, edit.dirty) == ("order-edit", 3, True)

    for leave in (DashboardState.open_dashboard.fn(dashboard), CaseScreenState.open_case.fn(case),
                  ScreenState.open_screen.fn(nav, "case"), ScreenState.back_to_inbox.fn(nav),
                  OrderEditState.cancel.fn(edit)):
        await leave  # every way out asks first, and the agent keeps editing
        assert edit.asking_to_leave and nav.open_screens[str(first)] == "order-edit"
        OrderEditState.dialog_open_change.fn(edit, False)  # Escape, or Keep editing
        assert not edit.asking_to_leave and edit.lines[0].quantity == 3
    await OrderEditState.discard_and_leave.fn(edit)  # not asked: a forged Discard drops nothing
    assert edit.dirty

    await OrderEditState.cancel.fn(edit)
    await OrderEditState.discard_and_leave.fn(edit)
    assert nav.open_screens[str(first)] == "order-status"  # Cancel went where it was going
    await OrderEditState.open_edit.fn(edit, own.id)
    assert edit.lines[0].quantity == 1 and not edit.dirty  # the discarded draft is gone

    await InboxState.select.fn(inbox, second)
    await OrderEditState.load.fn(edit)
    assert edit.lines[0].quantity == 5  # untouched by the first interaction's discard
    await ScreenState.back_to_inbox.fn(nav)
    await OrderEditState.discard_and_leave.fn(edit)
    assert str(second) not in nav.open_screens
    assert await _quantities(wired, own.id) == [1, 1, 1]  # nothing was ever saved
