"""Quick actions on the most recent order (Appease, Cancel, Return), each behind a confirmation."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox import InboxState
from inbox_app.state.inbox_dialog import InboxDialog
from services import orders
from services.errors import Refused

_ACTIONS = ("appease", "cancel", "return")


class QuickActionState(InboxDialog):
    action: str = ""  # the action waiting for confirmation; "" when no dialog is open
    amount: str = ""
    reason: str = ""
    action_error: str = ""
    _order_id: int = 0  # an order chosen on Order Status; 0: the header's most recent order


    @rx.event
    async def start_action(self, action: str):
        if action not in _ACTIONS or not (await self.get_state(InboxState)).order.order_id:
            return
        self.action, self.amount, self.reason, self.action_error = action, "", "", ""
        self._order_id = 0

    @rx.event
    async def start_order_action(self, action: str, order_id: int):
        """From Order Status, on the order shown there (the service checks it is this customer's)."""
        if action in _ACTIONS and isinstance(order_id, int) and order_id > 0:
            self.action, self.amount, self.reason, self.action_error = action, "", "", ""
            self._order_id = order_id

    @rx.event
    def set_action_open(self, value: bool):
        if not value:
            self.action = ""

    @rx.event
    def set_amount(self, value: str):
        self.amount, self.action_error = str(value)[:20], ""

    @rx.event
    def set_reason(self, value: str):
        self.reason, self.action_error = str(value)[:100], ""

    @rx.event
    async def confirm(self):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        common = dict(identity=identity, interaction_id=inbox.selected_id,
                      order_id=self._order_id or inbox.order.order_id,
                      clock=runtime.clock)
        try:
            async with runtime.db().transaction() as session:
                if self.action == "cancel":
                    await orders.cancel_order(session, **common)
                elif self.action == "return":
                    await orders.return_order(session, **common)
                elif self.action == "appease":
                    await orders.appease(session, amount=self.amount, reason=self.reason, **common)
                else:
                    return
        except Refused as refused:
            self.action_error = str(refused)
            return
        self.action, self.action_error = "", ""
        await inbox._reload(identity, header=True)
        if self._order_id:
            from inbox_app.screens.order_status import OrderStatusState  # the screen imports this state

            return OrderStatusState.load
