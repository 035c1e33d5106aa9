"""Order Edit: change quantities and remove lines of an unshipped order; Confirm Changes saves it all at once."""

from __future__ import annotations

import reflex as rx

from dataclasses import replace

from inbox_app import runtime, tab_memory
from inbox_app.components.common import BORDER
from inbox_app.push import assign_if_changed
from inbox_app.screens.navigation import BACK, MAX_REMEMBERED, ScreenState, listen, still_shown
from inbox_app.screens.parts import error, fact, section, table
from inbox_app.state.inbox_dialog import InboxDialog
from services import events, order_edit, order_status
from services.errors import Refused
from services.order_edit import Draft, EditLine
from services.order_status import OrderView

NAME = "order-edit"


class OrderEditState(InboxDialog):
    # The selected interaction's draft, as shown; every interaction keeps its own in _drafts.
    order_number: str = ""
    lines: list[EditLine] = []
    total: str = ""
    saved_total: str = ""  # the order's total before these changes
    dirty: bool = False
    stale: bool = False  # the order changed underneath the unsaved changes (another agent saved, or it shipped)
    asking_to_leave: bool = False
    edit_error: str = ""
    _drafts: dict[int, Draft] = {}  # interaction id → its Order Edit, unsaved changes and all
    _shown_for: int = 0  # the interaction whose draft the vars above show
    _pending: tuple = ()  # where the agent was going when asked to confirm leaving: (screen, subject)
    _restored: bool = False  # False in a state Redis has lost: the drafts come back from tab_memory

    async def _acting(self):
        self._restore()
        return await super()._acting()

    def _restore(self) -> None:
        """The drafts are kept in tab_memory beside the open screens (navigation.py says why there), so a
        Redis flush loses no unsaved change."""
        if not self._restored:
            seen = tab_memory.recall(self.router.session.client_token, NAME)
            self._drafts, self._shown_for = seen.get("drafts", self._drafts), seen.get("shown_for", self._shown_for)
            self._restored = True

    def _keep(self, interaction_id: int, draft: Draft | None) -> None:
        drafts = [(k, v) for k, v in self._drafts.items() if k != interaction_id]
        if draft is not None:
            drafts = drafts[-(MAX_REMEMBERED - 1):] + [(interaction_id, draft)]
        self._drafts = dict(drafts)
        tab_memory.remember(self.router.session.client_token, NAME, drafts=dict(drafts), shown_for=self._shown_for)

    def _show(self, interaction_id: int, draft: Draft) -> None:
        """Shows this interaction's draft; a push that changed nothing assigns nothing."""
        if self._shown_for != interaction_id:  # what typing edits, after a flush too
            self._shown_for = interaction_id
            tab_memory.remember(self.router.session.client_token, NAME, shown_for=interaction_id)
        shown = {"order_number": draft.order_number, "lines": draft.lines, "total": draft.total,
                 "saved_total": draft.saved_total, "dirty": draft.dirty, "stale": draft.stale}
        for name, value in shown.items():
            assign_if_changed(self, name, value)
        if self._drafts.get(interaction_id) != draft:
            self._keep(interaction_id, draft)

    async def _shown(self):
        """(agent, inbox, order id) while the selected interaction shows Order Edit; no agent otherwise."""
        self._restore()
        return await (await self.get_state(ScreenState))._shown(NAME)

    async def _view(self, identity, inbox, order_id: int) -> OrderView | None:
        try:
            if not identity.can("order_edit"):
                raise Refused("You do not have the grant to edit orders.")
            async with runtime.db().read() as session:
                return await order_status.order_status(session, identity=identity, interaction_id=inbox.selected_id,
                                                       order_id=order_id)
        except Refused as refused:
            inbox.notice, self.edit_error = str(refused), str(refused)
            return None

    async def _refresh(self, identity, inbox, order_id: int) -> None:
        """Reads the order again: unsaved changes are kept (marked stale if the order moved under them)."""
        view = await self._view(identity, inbox, order_id)
        if view is None:
            return
        draft = order_edit.refreshed(self._drafts.get(inbox.selected_id), view)
        assign_if_changed(self, "edit_error", "" if view.can_edit or draft.dirty else _not_editable(view))
        self._show(inbox.selected_id, draft)

    @rx.event
    async def open_edit(self, order_id: int):
        identity, inbox = await self._acting()
        if identity is None:
            return
        view = await self._view(identity, inbox, order_id)
        if view is None:
            return
        if not view.can_edit:
            self.edit_error = _not_editable(view)
            return
        kept = self._drafts.get(inbox.selected_id)
        if kept is not None and kept.dirty and kept.order_id != view.order_id:
            view = await self._view(identity, inbox, kept.order_id)  # unsaved changes are never dropped unasked
            if view is None:
                return
        draft = order_edit.refreshed(kept, view)
        if await (await self.get_state(ScreenState))._open(NAME, view.order_id):
            self.edit_error = ""
            self._show(inbox.selected_id, draft)

    @rx.event
    async def load(self):
        """On showing the screen: this interaction's own draft, unsaved changes kept, the order read again."""
        identity, inbox, order_id = await self._shown()
        if identity is None:
            return
        await self._refresh(identity, inbox, order_id)
        listen(self, {events.customer_topic(inbox.profile.customer_id) if inbox.profile.customer_id else ""})

    async def _on_change(self, topics: set[str]) -> None:
        """Another agent changed this customer's orders: never overwrites unsaved changes, only says so."""
        self._restore()
        if shown := await still_shown(self, NAME):
            await self._refresh(*shown)

    def _edited(self, line_id: int, value: str) -> None:
        self._restore()
        draft = self._drafts.get(self._shown_for)
        if draft is None:
            return
        lines, _, self.edit_error = order_edit.with_quantity(draft.lines, line_id, value)
        self._show(self._shown_for, replace(draft, lines=lines))

    @rx.event
    def change_quantity(self, line_id: int, value: str):
        self._edited(line_id, value)

    @rx.event
    def remove_line(self, line_id: int):
        self._edited(line_id, "0")

    @rx.event
    async def confirm_changes(self):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        draft = self._drafts.get(inbox.selected_id)
        if draft is None:
            self.edit_error = "Open Edit order on the order first."
            return
        try:
            async with runtime.db().transaction() as session:
                await order_edit.edit_order(session, identity=identity, interaction_id=inbox.selected_id,
                                            order_id=draft.order_id, quantities=order_edit.wanted(draft.lines),
                                            version=draft.version, clock=runtime.clock)
        except Refused as refused:
            self.edit_error = str(refused)
            return
        self._keep(inbox.selected_id, None)
        self.dirty = self.stale = False
        await inbox._reload(identity, header=True)
        from inbox_app.screens.order_status import OrderStatusState  # Order Status opens this screen

        return OrderStatusState.open_order(draft.order_id)

    @rx.event
    async def start_over(self):
        """The order changed underneath: drop the unsaved changes and edit the order as it is now."""
        identity, inbox, order_id = await self._shown()
        if identity is not None:
            self._keep(inbox.selected_id, None)
            await self._refresh(identity, inbox, order_id)

    @rx.event
    async def cancel(self):
        """Cancel: back to the order's status; with unsaved changes the guard asks first."""
        identity, _, order_id = await self._shown()
        if identity is not None:
            await (await self.get_state(ScreenState))._open("order-status", order_id)

    def _asks_before_leaving(self, interaction_id: int, to: tuple[str, int]) -> bool:
        self._restore()
        draft = self._drafts.get(interaction_id)
        if draft is None or not draft.dirty:
            if draft is not None:
                self._keep(interaction_id, None)  # nothing unsaved: the next Edit order reads the order afresh
            return False
        self._pending, self.asking_to_leave = tuple(to), True
        return True

    @rx.event
    async def discard_and_leave(self):
        identity, inbox = await self._acting()
        if identity is None or not self.asking_to_leave:
            return
        to, self._pending = self._pending or BACK, ()
        self._keep(inbox.selected_id, None)
        self.asking_to_leave = self.dirty = self.stale = False
        await (await self.get_state(ScreenState))._go(to)

    @rx.event
    def keep_editing(self):
        self.asking_to_leave, self._pending = False, ()

    @rx.event
    def dialog_open_change(self, is_open: bool):
        """Escape or Keep editing closes the dialog: the agent stays with their changes."""
        if is_open is not True:
            self.keep_editing()


def _not_editable(view: OrderView) -> str:
    return f"Order {view.order_number} is {view.status}; it cannot be edited now."


async def ask_before_leaving(nav: ScreenState, interaction_id: int, to: tuple[str, int]) -> bool:
    """The registry's guard for Order Edit: leaving with unsaved changes waits for the agent's answer."""
    return (await nav.get_state(OrderEditState))._asks_before_leaving(interaction_id, to)


def _line(line: EditLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.image(src=line.image_path, alt=line.name, width="36px", height="36px", border_radius="6px",
                               border=BORDER)),
        rx.table.cell(rx.text(line.name, size="1", weight="medium",
                              text_decoration=rx.cond(line.quantity == 0, "line-through", "none"))),
        rx.table.cell(rx.input(value=line.quantity.to_string(), type="number", min=0, max=99, width="72px", size="1",
                               aria_label="Quantity of " + line.name,
                               on_change=OrderEditState.change_quantity(line.line_id))),
        rx.table.cell(line.unit_price, text_align="right"),
        rx.table.cell(line.line_total, text_align="right"),
        rx.table.cell(rx.button(rx.icon("trash-2", size=13), "Remove",
                                on_click=OrderEditState.remove_line(line.line_id),
                                size="1", variant="ghost", color_scheme="red", disabled=line.quantity == 0,
                                aria_label="Remove " + line.name)),
        data_testid="order-edit-line", align="center",
    )


def _leave_dialog() -> rx.Component:
    """Asked before unsaved changes are dropped. Radix moves focus into it (onto Keep editing, the safe answer),
    keeps it there, and Escape keeps editing."""
    return rx.alert_dialog.root(rx.alert_dialog.content(
        rx.alert_dialog.title("Leave without saving?"),
        rx.alert_dialog.description("Your changes to order ", OrderEditState.order_number,
                                    " are not saved. Confirm Changes saves them."),
        rx.hstack(rx.alert_dialog.cancel(rx.button("Keep editing", variant="soft", color_scheme="gray")),
                  rx.button("Discard changes", on_click=OrderEditState.discard_and_leave, color_scheme="red",
                            variant="soft", high_contrast=True),
                  justify="end", spacing="2", margin_top="12px"),
        max_width="420px", data_testid="order-edit-leave",
    ), open=OrderEditState.asking_to_leave, on_open_change=OrderEditState.dialog_open_change)


def _changed_underneath() -> rx.Component:
    return rx.cond(OrderEditState.stale, rx.callout.root(
        rx.callout.icon(rx.icon("refresh-cw", size=14)),
        rx.callout.text("Order ", OrderEditState.order_number, " was changed by someone else while you were "
                        "editing. Your changes are kept here, but Confirm Changes will be refused. "),
        rx.button("Start again from the saved order", on_click=OrderEditState.start_over, size="1",
                  variant="outline", color_scheme="amber", high_contrast=True, justify_self="start"),
        color_scheme="amber", high_contrast=True, size="1", role="status", data_testid="order-changed-underneath",
    ))


def order_edit_screen() -> rx.Component:
    return rx.vstack(
        error(OrderEditState.edit_error),
        _changed_underneath(),
        rx.hstack(rx.heading("Edit order " + OrderEditState.order_number, size="4", as_="h3"), rx.spacer(),
                  rx.cond(OrderEditState.dirty, rx.badge("Unsaved changes", color_scheme="amber", variant="soft",
                                                         high_contrast=True)),
                  rx.button("Cancel", on_click=OrderEditState.cancel, size="2", variant="soft",
                            color_scheme="gray"),
                  rx.button(rx.icon("check", size=14), "Confirm Changes", on_click=OrderEditState.confirm_changes,
                            size="2", disabled=~OrderEditState.dirty),
                  width="100%", align="center", spacing="2"),
        section("Lines", table(["", "Item", "Qty", "Price", "Line total", ""], OrderEditState.lines, _line)),
        section("Totals", fact("Saved total", OrderEditState.saved_total),
                fact("New total", OrderEditState.total, data_testid="order-edit-total"), width="320px"),
        _leave_dialog(),
        spacing="3", width="100%", on_mount=OrderEditState.load,
    )
