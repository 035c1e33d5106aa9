"""Order Status: one order of the verified customer, its lines with images, totals and quick actions."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.components.common import BORDER
from inbox_app.push import assign_if_changed
from inbox_app.screens.navigation import ScreenState, listen, still_shown
from inbox_app.screens.parts import error, fact, section, status_badge, table
from inbox_app.state.inbox_dialog import InboxDialog
from inbox_app.state.quick_actions import QuickActionState
from services import events, order_status
from services.errors import Refused
from services.order_status import Line, OrderView, PaymentRow, ShipmentRow

NAME = "order-status"


class OrderStatusState(InboxDialog):
    view: OrderView = OrderView(0, "", "", "", "", "", "", "")
    status_error: str = ""

    async def _load(self, order_id: int) -> bool:
        identity, inbox = await self._acting()
        if identity is None:
            return False
        return await self._read(identity, inbox, order_id)

    async def _read(self, identity, inbox, order_id: int) -> bool:
        try:
            async with runtime.db().read() as session:
                view = await order_status.order_status(session, identity=identity,
                                                       interaction_id=inbox.selected_id, order_id=order_id)
        except Refused as refused:
            inbox.notice, self.status_error = str(refused), str(refused)
            return False
        assign_if_changed(self, "view", view)  # a push that changed nothing resends nothing
        assign_if_changed(self, "status_error", "")
        # Another agent's edit, cancel or appeasement of this customer's orders is heard on their topic.
        listen(self, {events.customer_topic(inbox.profile.customer_id) if inbox.profile.customer_id else ""})
        return True

    async def _on_change(self, topics: set[str]) -> None:
        if shown := await still_shown(self, NAME):
            await self._read(*shown)

    @rx.event
    async def open_order(self, order_id: int):
        """From the most recent order's created date, or an order on the Customer Dashboard."""
        if await self._load(order_id):
            await (await self.get_state(ScreenState))._open(NAME, order_id)

    @rx.event
    async def open_recent_order(self):
        _, inbox = await self._acting()
        await self.open_order(inbox.order.order_id)

    @rx.event
    async def load(self):
        _, order_id = await (await self.get_state(ScreenState))._subject()
        await self._load(order_id)

    @rx.event
    async def edit_order(self):
        from inbox_app.screens.order_edit import OrderEditState  # Order Edit returns here

        return OrderEditState.open_edit(self.view.order_id)


def _line(line: Line) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.image(src=line.image_path, alt=line.name, width="40px", height="40px", border_radius="6px",
                               border=BORDER)),
        rx.table.cell(rx.vstack(rx.text(line.name, size="1", weight="medium"),
                                rx.text(line.sku, size="1", color="var(--gray-11)"), spacing="0")),
        rx.table.cell(line.quantity.to_string(), text_align="right"),
        rx.table.cell(line.unit_price, text_align="right"),
        rx.table.cell(line.line_total, text_align="right"),
        rx.table.cell(status_badge(line.status)),
        data_testid="order-line", align="center",
    )


def _payment(p: PaymentRow) -> rx.Component:
    return rx.table.row(rx.table.cell(p.method), rx.table.cell(p.status),
                        rx.table.cell(p.amount, text_align="right"), data_testid="order-payment")


def _shipment(s: ShipmentRow) -> rx.Component:
    return rx.table.row(rx.table.cell(s.carrier), rx.table.cell(s.tracking_number),
                        rx.table.cell(rx.moment(s.at_iso, format="MMM D, YYYY", local=True, font_size="12px")),
                        rx.table.cell(s.status), data_testid="order-shipment")


def _money_and_parcels(v) -> rx.Component:
    """Totals, payments and shipments side by side: the questions a customer asks after "where is it?"."""
    none = rx.text("None yet.", size="1", color="var(--gray-11)")
    return rx.hstack(
        section("Totals", fact("Subtotal", v.subtotal), fact("Appeased", v.appeased),
                fact("Order total", v.total, data_testid="order-total"), flex="1"),
        section("Payments", rx.cond(v.payments.length() > 0,
                                    table(["Method", "Status", "Amount"], v.payments, _payment), none), flex="1.3"),
        section("Shipments", rx.cond(v.shipments.length() > 0,
                                     table(["Carrier", "Tracking", "Shipped", "Status"], v.shipments, _shipment),
                                     none), flex="1.6"),
        width="100%", align="stretch", spacing="3",
    )


def _action(label: str, action: str, offered) -> rx.Component:
    return rx.cond(offered, rx.button(label, on_click=QuickActionState.start_order_action(
        action, OrderStatusState.view.order_id), size="1", variant="outline"))


def order_status_screen() -> rx.Component:
    v = OrderStatusState.view
    return rx.vstack(
        error(OrderStatusState.status_error),
        rx.hstack(
            rx.heading("Order " + v.order_number, size="4", as_="h3"), status_badge(v.status),
            rx.moment(v.created_iso, format="MMM D, YYYY HH:mm", local=True, font_size="13px",
                      color="var(--gray-11)"),
            rx.spacer(),
            _action("Appease", "appease", v.can_appease), _action("Cancel", "cancel", v.can_cancel),
            _action("Return", "return", v.can_return),
            rx.cond(v.can_edit, rx.button(rx.icon("pencil", size=14), "Edit order",
                                          on_click=OrderStatusState.edit_order,
                                          size="1")),
            width="100%", align="center", spacing="2",
        ),
        section("Lines", table(["", "Item", "Qty", "Price", "Line total", "Status"], v.lines, _line)),
        _money_and_parcels(v),
        spacing="3", width="100%", on_mount=OrderStatusState.load,
    )
