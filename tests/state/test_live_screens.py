"""Open secondary screens re-read what another agent changed (and a push that changed nothing assigns nothing);
an Order Edit with unsaved changes is never overwritten; open screens and drafts outlive a Redis flush."""

from __future__ import annotations

import re

import reflex as rx

import inbox_app.screens.catalog  # noqa: F401 - registers the screens, as the inbox page does
from inbox_app import push, tab_memory
from inbox_app.screens.case_screen import CaseScreenState
from inbox_app.screens.customer_dashboard import DashboardState
from inbox_app.screens.navigation import ScreenState
from inbox_app.screens.order_edit import OrderEditState
from inbox_app.screens.order_status import OrderStatusState
from inbox_app.state.inbox import InboxState
from services import case_screen, events, interactions, order_edit
from services.customer_profile import ProfileEdit, update_profile
from tests.state.test_secondary_screens import _quantities, _second_interaction, _signed_in


async def _another_agent_edits(db, clock, inbox, order, quantities: dict[int, int]) -> None:
    """Another agent's Confirm Changes: the same service, the version as it is now."""
    identity = inbox._signed_in_as.identity
    async with db.read() as session:
        from services import order_status

        view = await order_status.order_status(session, identity=identity, interaction_id=inbox.selected_id,
                                               order_id=order.id)
    async with db.transaction() as session:
        await order_edit.edit_order(session, identity=identity, interaction_id=inbox.selected_id, order_id=order.id,
                                    quantities={view.lines[n].line_id: q for n, q in quantities.items()},
                                    version=view.version, clock=clock)


def _listening(state, topic: str) -> bool:
    return (state.router.session.client_token, type(state)) in push._registry.get(topic, set())


async def test_an_open_order_status_re_reads_another_agents_edit_and_a_quiet_push_assigns_nothing(wired, clock):
    inbox, own, _, _ = await _signed_in(wired, clock)
    status = await inbox.get_state(OrderStatusState)
    await OrderStatusState.open_order.fn(status, own.id)
    topic = events.customer_topic(own.customer_id)
    assert _listening(status, topic)  # heard on the customer's topic, as the header is
    status._clean()
    await status._on_change({topic})
    assert set(status.dirty_vars) == set()  # nothing changed: nothing is sent
    await _another_agent_edits(wired, clock, inbox, own, {0: 4})
    await status._on_change({topic})
    assert set(status.dirty_vars) == {"view"} and status.view.lines[0].quantity == 4
    await ScreenState.back_to_inbox.fn(await inbox.get_state(ScreenState))
    await status._on_change({topic})  # no longer shown: it stops listening
    assert not _listening(status, topic)


async def test_unsaved_order_edits_are_never_overwritten_by_a_push_and_confirm_is_refused(wired, clock):
    inbox, own, _, _ = await _signed_in(wired, clock)
    edit = await inbox.get_state(OrderEditState)
    await OrderEditState.open_edit.fn(edit, own.id)
    await OrderEditState.load.fn(edit)  # mounted: it listens
    topic = events.customer_topic(own.customer_id)
    assert _listening(edit, topic)
    OrderEditState.change_quantity.fn(edit, edit.lines[0].line_id, "3")
    await _another_agent_edits(wired, clock, inbox, own, {1: 2})
    await edit._on_change({topic})
    assert edit.stale and [line.quantity for line in edit.lines] == [3, 1, 1]  # kept, and marked
    await OrderEditState.confirm_changes.fn(edit)
    assert "changed by someone else" in edit.edit_error
    assert await _quantities(wired, own.id) == [1, 2, 1]  # the other agent's edit stands
    await OrderEditState.start_over.fn(edit)
    assert (not edit.stale, not edit.dirty, [line.quantity for line in edit.lines]) == (True, True, [1, 2, 1])
    await _another_agent_edits(wired, clock, inbox, own, {2: 5})
    await edit._on_change({topic})  # nothing unsaved: the screen simply shows the order as it is now
    assert [line.quantity for line in edit.lines] == [1, 2, 5] and not edit.stale


async def test_the_case_screen_and_dashboard_re_read_and_keep_what_the_agent_is_typing(wired, clock):
    inbox, own, _, _ = await _signed_in(wired, clock)
    identity, interaction_id = inbox._signed_in_as.identity, inbox.selected_id
    case = await inbox.get_state(CaseScreenState)
    await CaseScreenState.open_case.fn(case)
    topic = events.case_topic(case.view.case_id)
    assert _listening(case, topic)

    async def saved_elsewhere(notes: str) -> None:
        async with wired.transaction() as session:
            await case_screen.save_case(session, identity=identity, interaction_id=interaction_id, notes=notes,
                                        category="", clock=clock)
        await case._on_change({topic})

    await saved_elsewhere("Refund agreed")
    assert (case.view.notes, case.notes) == ("Refund agreed", "Refund agreed")
    CaseScreenState.set_notes.fn(case, "Refund agreed; calling back")
    await saved_elsewhere("Refund sent")
    assert (case.view.notes, case.notes) == ("Refund sent", "Refund agreed; calling back")  # typing kept
    async with wired.transaction() as session:
        await interactions.add_customer_message(session, interaction_id=interaction_id, body="Thanks!", clock=clock)
    await case._on_change({topic})
    assert case.view.interactions[-1].messages[-1].body == "Thanks!"

    dashboard = await inbox.get_state(DashboardState)
    await DashboardState.open_dashboard.fn(dashboard)
    customer = events.customer_topic(own.customer_id)
    dashboard._clean()
    await dashboard._on_change({customer})
    assert set(dashboard.dirty_vars) == set()
    async with wired.transaction() as session:
        await update_profile(session, identity=identity, interaction_id=interaction_id, clock=clock,
                             edit=ProfileEdit("Ellie", "Smith", "ellen.smith@example.com", "+14155550100"))
    await dashboard._on_change({customer})
    assert set(dashboard.dirty_vars) == {"profile"} and dashboard.profile.name == "Ellie Smith"


async def _after_redis_lost(inbox) -> rx.State:
    """The same tab (client token, session cookie) with every state at its defaults, as after FLUSHDB."""
    root = rx.State(_reflex_internal_init=True)
    root.router = inbox.router
    return root


async def test_open_screens_and_unsaved_drafts_come_back_after_redis_loses_the_tab(wired, clock):
    inbox, own, _, org = await _signed_in(wired, clock)
    edit = await inbox.get_state(OrderEditState)
    await OrderEditState.open_edit.fn(edit, own.id)
    OrderEditState.change_quantity.fn(edit, edit.lines[0].line_id, "3")

    first, second = inbox.selected_id, await _second_interaction(wired, clock, inbox, org)
    await InboxState.select.fn(inbox, second)
    await OrderEditState.open_edit.fn(edit, own.id)  # the second interaction's own draft
    await InboxState.select.fn(inbox, first)
    await OrderEditState.load.fn(edit)  # the first one's draft is shown again, unchanged
    root = await _after_redis_lost(inbox)
    lost_edit = await root.get_state(OrderEditState)
    OrderEditState.change_quantity.fn(lost_edit, edit.lines[0].line_id, "4")  # typing goes to the shown draft
    assert (lost_edit.dirty, lost_edit.lines[0].quantity) == (True, 4) and not lost_edit._drafts[second].dirty
    open_before = dict((await inbox.get_state(ScreenState)).open_screens)

    root = await _after_redis_lost(inbox)
    nav, lost_edit = await root.get_state(ScreenState), await root.get_state(OrderEditState)
    assert nav.open_screens == {} and lost_edit.lines == []  # what Redis held is gone
    await ScreenState.back_to_inbox.fn(nav)  # the next click still knows the screen and its unsaved changes
    assert lost_edit.asking_to_leave and nav.open_screens == open_before
    OrderEditState.keep_editing.fn(lost_edit)

    reloaded = await _after_redis_lost(inbox)  # the page is reloaded: its on_load brings the screen back
    nav = await reloaded.get_state(ScreenState)
    await InboxState.on_load.fn(await reloaded.get_state(InboxState))
    await ScreenState.restore.fn(nav)
    assert nav.open_screens == open_before
    restored = await reloaded.get_state(OrderEditState)
    await OrderEditState.load.fn(restored)
    assert (restored.dirty, restored.lines[0].quantity) == (True, 4)
    await OrderEditState.confirm_changes.fn(restored)
    assert await _quantities(wired, own.id) == [4, 1, 1]


async def test_a_tab_rebuilt_after_redis_lost_it_mounts_its_screens_again(wired, clock):
    """Reflex's rehydrate sends every state at its defaults, then the page's on_load rebuilds the tab. A screen
    that merely stayed mounted would keep showing those defaults (an Order Edit without lines): each rebuild
    changes the key of what reads its own data on mount, so it mounts and reads again."""
    from inbox_app.components.quick_responses import template_tools
    from inbox_app.screens.frame import _frame
    from inbox_app.screens.popup import communication_popup
    from inbox_app.screens.registry import screen_named

    inbox, _, _, _ = await _signed_in(wired, clock)
    before = inbox.rebuilds
    rebuilt = await (await _after_redis_lost(inbox)).get_state(InboxState)
    await InboxState.on_load.fn(rebuilt)
    again = await (await _after_redis_lost(inbox)).get_state(InboxState)
    await InboxState.on_load.fn(again)
    assert (rebuilt.rebuilds, again.rebuilds) == (before + 1, before + 2)
    assert rebuilt.selected_id == inbox.selected_id
    await InboxState.set_tab.fn(again, "done")  # an ordinary event is no rebuild
    assert again.rebuilds == before + 2
    tab_memory.forget(inbox.router.session.client_token)  # the socket moved to a worker that never rebuilt it
    await InboxState.set_tab.fn(again, "active")  # Redis intact: its events run there
    moved = await (await _after_redis_lost(inbox)).get_state(InboxState)
    await InboxState.on_load.fn(moved)
    assert moved.rebuilds == before + 3  # not 1 again, which the browser already has: the screens mount anew
    keyed = [_frame(screen_named("order-edit")), communication_popup(), template_tools()]
    assert all(re.search(r"key:\(*JSON\.stringify\([\w.]+\.selected_id_rx_state_\)\)\+\"\.\"\)\+\(JSON\.stringify\("
                         r"[\w.]+\.rebuilds_rx_state_", str(part)) for part in keyed)


async def test_the_draft_outlives_redis_losing_the_tab_whether_an_event_or_a_push_rebuilds_it(wired, clock):
    inbox, _, _, org = await _signed_in(wired, clock)
    InboxState.set_reply_via.fn(inbox, "email")
    InboxState.set_draft.fn(inbox, "<p>Your parcel left on</p>", inbox.draft_rev)
    typed_over = inbox.draft_rev

    rebuilt = await (await _after_redis_lost(inbox)).get_state(InboxState)
    await InboxState.on_load.fn(rebuilt)  # the agent's next event: Reflex's rehydrate runs the page's on_load
    # The same revision: the box the rehydrate emptied takes the draft back, and typing over it is not refused.
    assert (rebuilt.draft, rebuilt.draft_rev, rebuilt.reply_via) == ("<p>Your parcel left on</p>", typed_over, "email")
    InboxState.set_draft.fn(rebuilt, "<p>Your parcel left on Monday</p>", typed_over)

    keystroke_first = await (await _after_redis_lost(inbox)).get_state(InboxState)
    InboxState.set_draft.fn(keystroke_first, "<p>Your parcel left on Monday</p>", typed_over)  # before on_load
    await InboxState.on_load.fn(keystroke_first)
    assert (keystroke_first.draft, keystroke_first.reply_via) == ("<p>Your parcel left on Monday</p>", "email")

    pushed = await (await _after_redis_lost(inbox)).get_state(InboxState)
    await pushed._on_change({events.agent_topic(inbox._signed_in_as.identity.user_id)})  # a push came first
    assert pushed.draft == "<p>Your parcel left on Monday</p>"

    stranger = await (await _after_redis_lost(inbox)).get_state(InboxState)
    stranger.router = stranger.router.__class__.from_router_data(
        {"token": inbox.router.session.client_token, "pathname": "/inbox"})  # the tab's token, no session
    await InboxState.on_load.fn(stranger)
    assert stranger.draft == "" and not stranger.rows  # a tab nobody is signed in on is shown nothing

    await InboxState.select.fn(pushed, await _second_interaction(wired, clock, pushed, org))
    cleared = await (await _after_redis_lost(inbox)).get_state(InboxState)
    await InboxState.on_load.fn(cleared)  # another conversation's box starts empty, after a flush too
    assert (cleared.selected_id, cleared.draft) == (pushed.selected_id, "")
