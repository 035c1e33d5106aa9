"""The customer header over the conversation."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import BORDER, channel_icon
from inbox_app.components.panel import verified_mark
from inbox_app.state.inbox import InboxState
from inbox_app.state.wrap_up import WrapUpState


def customer_header() -> rx.Component:
    return rx.hstack(
        rx.box(channel_icon(InboxState.selected_channel, size=18), color="var(--gray-11)"),
        rx.vstack(
            rx.hstack(rx.text(InboxState.customer_name, weight="bold", size="3"),
                      verified_mark(InboxState.customer_verified), spacing="2", align="center"),
            rx.text(InboxState.organization_name, size="1", color="var(--gray-10)"),
            spacing="0",
        ),
        rx.cond(InboxState.joined_open_case,
                rx.tooltip(rx.badge(rx.icon("briefcase", size=12), "Existing open case", color_scheme="red",
                                    variant="soft"),
                           content="This interaction joined a case that was already open")),
        rx.spacer(),
        rx.cond(~InboxState.selected_closed,
                rx.button(rx.icon("circle-check", size=14), "Wrap Up", on_click=WrapUpState.start, size="2",
                          variant="soft")),
        data_testid="customer-header",
        data_verified=rx.cond(InboxState.customer_verified, "true", "false"),
        padding="10px 24px", border_bottom=BORDER, width="100%", align="center", spacing="3",
        background="var(--blue-2)",
    )
