"""Order Edit: change quantities and remove lines of an unshipped order; Confirm Changes saves it all at once."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.components.common import BORDER
from inbox_app.screens.navigation import ScreenState
from inbox_app.screens.parts import error, fact, section, table
from inbox_app.state.inbox_dialog import InboxDialog
from services import order_edit, order_status
from services.errors import Refused
from services.order_edit import EditLine

NAME = "order-edit"


class OrderEditState(InboxDialog):
    order_number: str = ""
    lines: list[EditLine] = []
    total: str = ""
    saved_total: str = ""  # the order's total before these changes
    dirty: bool = False
    asking_to_leave: bool = False
    edit_error: str = ""
    _order_id: int = 0
    _interaction_id: int = 0
    _version: str = ""

    async def _read(self, order_id: int) -> bool:
        identity, inbox = await self._acting()
        if identity is None:
            return False
        try:
            if not identity.can("order_edit"):
                raise Refused("You do not have the grant to edit orders.")
            async with runtime.db().read() as session:
                view = await order_status.order_status(session, identity=identity, interaction_id=inbox.selected_id,
                                                       order_id=order_id)
        except Refused as refused:
            inbox.notice, self.edit_error = str(refused), str(refused)
            return False
        if not view.can_edit:
            self.edit_error = f"Order {view.order_number} is {view.status}; it cannot be edited now."
            return False
        self.order_number, self._order_id, self._version = view.order_number, view.order_id, view.version
        self._interaction_id = inbox.selected_id
        self.lines, self.total, self.saved_total = order_edit.edit_lines(view), view.total, view.total
        self.dirty = self.asking_to_leave = False
        self.edit_error = ""
        return True

    @rx.event
    async def open_edit(self, order_id: int):
        if await self._read(order_id):
            await (await self.get_state(ScreenState))._open(NAME, order_id)

    @rx.event
    async def load(self):
        """On showing the screen: keep unsaved changes of this interaction's order, otherwise read it."""
        interaction_id, order_id = await (await self.get_state(ScreenState))._subject()
        if not (self.dirty and (interaction_id, order_id) == (self._interaction_id, self._order_id)):
            await self._read(order_id)

    @rx.event
    def change_quantity(self, line_id: int, value: str):
        self.lines, self.total, self.edit_error = order_edit.with_quantity(self.lines, line_id, value)
        self.dirty = order_edit.changed(self.lines)

    @rx.event
    def remove_line(self, line_id: int):
        self.lines, self.total, self.edit_error = order_edit.with_quantity(self.lines, line_id, "0")
        self.dirty = order_edit.changed(self.lines)

    @rx.event
    async def confirm_changes(self):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await order_edit.edit_order(session, identity=identity, interaction_id=inbox.selected_id,
                                            order_id=self._order_id, quantities=order_edit.wanted(self.lines),
                                            version=self._version, clock=runtime.clock)
        except Refused as refused:
            self.edit_error = str(refused)
            return
        self.dirty = False
        await inbox._reload(identity, header=True)
        from inbox_app.screens.order_status import OrderStatusState  # Order Status opens this screen

        return OrderStatusState.open_order(self._order_id)

    @rx.event
    async def leave(self):
        """Back to Inbox: with unsaved changes, ask first."""
        if self.dirty:
            self.asking_to_leave = True
            return
        await (await self.get_state(ScreenState)).back_to_inbox()

    @rx.event
    async def discard_and_leave(self):
        self.dirty = self.asking_to_leave = False
        await (await self.get_state(ScreenState)).back_to_inbox()

    @rx.event
    def keep_editing(self):
        self.asking_to_leave = False


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
    return rx.alert_dialog.root(rx.alert_dialog.content(
        rx.alert_dialog.title("Leave without saving?"),
        rx.alert_dialog.description("Your changes to this order are not saved. Confirm Changes saves them."),
        rx.hstack(rx.button("Keep editing", on_click=OrderEditState.keep_editing, variant="soft"),
                  rx.button("Discard changes", on_click=OrderEditState.discard_and_leave, color_scheme="red"),
                  justify="end", spacing="2", margin_top="12px"),
    ), open=OrderEditState.asking_to_leave)


def order_edit_screen() -> rx.Component:
    return rx.vstack(
        error(OrderEditState.edit_error),
        rx.hstack(rx.heading("Edit order " + OrderEditState.order_number, size="4", as_="h3"), rx.spacer(),
                  rx.cond(OrderEditState.dirty, rx.text("Unsaved changes", size="1", color="var(--amber-11)")),
                  rx.button(rx.icon("check", size=14), "Confirm Changes", on_click=OrderEditState.confirm_changes,
                            size="2", disabled=~OrderEditState.dirty),
                  width="100%", align="center", spacing="2"),
        section("Lines", table(["", "Item", "Qty", "Price", "Line total", ""], OrderEditState.lines, _line)),
        section("Totals", fact("Saved total", OrderEditState.saved_total),
                fact("New total", OrderEditState.total, data_testid="order-edit-total"), width="320px"),
        _leave_dialog(),
        spacing="3", width="100%", on_mount=OrderEditState.load,
    )
