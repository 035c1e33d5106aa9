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

    @rx.event
    async def start_action(self, action: str):
        if action not in _ACTIONS or not (await self.get_state(InboxState)).order.order_id:
            return
        self.action, self.amount, self.reason, self.action_error = action, "", "", ""

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
        common = dict(identity=identity, interaction_id=inbox.selected_id, order_id=inbox.order.order_id,
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
