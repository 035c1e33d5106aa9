"""The confirmation popup behind each quick action on the most recent order."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.dialog import dialog_content
from inbox_app.components.forms import SELECT_STYLE, error_text, field
from inbox_app.state.inbox import InboxState
from inbox_app.state.quick_actions import QuickActionState
from services.orders import APPEASE_REASONS



def _appease_fields() -> rx.Component:
    return rx.vstack(
        field("Amount", "appease-amount",
              rx.input(id="appease-amount", value=QuickActionState.amount, on_change=QuickActionState.set_amount,
                       placeholder="10.00", input_mode="decimal", width="100%")),
        rx.text("Up to " + InboxState.order.appeasable + " can still be given on this order.", size="1",
                color="var(--gray-11)"),
        field("Reason", "appease-reason",
              rx.el.select(rx.el.option("Choose a reason", value=""),
                           *[rx.el.option(reason, value=reason) for reason in APPEASE_REASONS],
                           id="appease-reason", value=QuickActionState.reason,
                           on_change=QuickActionState.set_reason, style=SELECT_STYLE)),
        spacing="2", width="100%",
    )


def _title() -> rx.Component:
    return rx.match(QuickActionState.action,
                    ("cancel", "Cancel order " + InboxState.order.order_number + "?"),
                    ("return", "Return order " + InboxState.order.order_number + "?"),
                    "Appease on order " + InboxState.order.order_number)


def _explanation() -> rx.Component:
    return rx.match(
        QuickActionState.action,
        ("cancel", "The order has not shipped yet. Cancelling it stops it for good."),
        ("return", "Start a return for the delivered order."),
        "Give the customer money back as a goodwill gesture.",
    )


def order_dialog() -> rx.Component:
    return rx.dialog.root(
        dialog_content(
            rx.dialog.title(_title()),
            rx.dialog.description(_explanation(), size="2", color="var(--gray-11)"),
            rx.vstack(
                rx.cond(QuickActionState.action == "appease", _appease_fields()),
                rx.text("A note is added to the conversation, and the change is audited.", size="1",
                        color="var(--gray-11)"),
                error_text(QuickActionState.action_error),
                rx.hstack(
                    rx.dialog.close(rx.button("Back", variant="soft", color_scheme="gray")),
                    rx.button("Confirm", on_click=QuickActionState.confirm,
                              color_scheme=rx.cond(QuickActionState.action == "cancel", "red", "indigo")),
                    justify="end", width="100%", spacing="2",
                ),
                spacing="3", width="100%", margin_top="12px",
            ),
            max_width="420px",
        ),
        open=QuickActionState.action != "",
        on_open_change=QuickActionState.set_action_open,
    )
