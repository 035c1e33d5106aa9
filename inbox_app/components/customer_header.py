"""The customer header over the conversation: the blue banner, and for a verified customer the cards."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import BORDER, channel_icon
from inbox_app.components.customer_cards import customer_cards
from inbox_app.components.panel import bounce_timer, verified_mark
from inbox_app.screens.case_screen import CaseScreenState
from inbox_app.screens.customer_dashboard import DashboardState
from inbox_app.screens.frame import screens_menu
from inbox_app.state.case_details import CaseDetailsState
from inbox_app.state.inbox import InboxState
from inbox_app.state.transfer import TransferState
from inbox_app.state.verify import VerifyState
from inbox_app.state.wrap_up import WrapUpState


def _case_button() -> rx.Component:
    """The case icon; a red exclamation says the interaction joined a case that was already open."""
    return rx.button(
        rx.box(
            rx.icon("briefcase", size=15),
            rx.cond(InboxState.joined_open_case,
                    rx.box(rx.icon("circle-alert", size=14, color="white", fill="var(--red-9)"),
                           position="absolute", top="-8px", right="-9px", data_testid="case-existing",
                           aria_label="Joined an existing open case")),
            position="relative", display="flex",
        ),
        "Case Details",
        on_click=CaseDetailsState.open_case_details,
        variant="ghost", size="1", color_scheme="gray",
        title=rx.cond(InboxState.joined_open_case, "This interaction joined a case that was already open",
                      "Case details and case notes"),
    )


def _name() -> rx.Component:
    return rx.cond(
        InboxState.customer_verified,
        rx.button(InboxState.customer_name, rx.icon("chevron-right", size=14), on_click=DashboardState.open_dashboard,
                  variant="ghost", size="2", weight="bold", color_scheme="gray", high_contrast=True,
                  title="Open the Customer Dashboard", data_testid="customer-name", padding_x="2px"),
        rx.text(InboxState.customer_name, weight="bold", size="3", data_testid="customer-name"),
    )


def _banner() -> rx.Component:
    return rx.hstack(
        rx.box(channel_icon(InboxState.selected_channel, size=18), color="var(--gray-11)"),
        rx.vstack(
            rx.hstack(_name(), verified_mark(InboxState.customer_verified), spacing="1", align="center"),
            rx.text(InboxState.organization_name, size="1", color="var(--gray-11)"),
            spacing="0",
        ),
        rx.cond(~InboxState.selected_inactive, _case_button()),  # no longer this agent's case
        rx.cond(~InboxState.selected_inactive,
                rx.button(rx.icon("folder-open", size=15), "Case", on_click=CaseScreenState.open_case, variant="ghost",
                          size="1", color_scheme="gray", title="The case with all its interactions")),
        screens_menu(),
        bounce_timer(InboxState.selected_id),
        rx.spacer(),
        rx.cond(InboxState.selected_pending_transfer,
                rx.badge("Awaiting transfer", color_scheme="amber", high_contrast=True)),
        rx.cond(~InboxState.customer_verified & ~InboxState.selected_closed & ~InboxState.selected_inactive
                & ~InboxState.selected_customer_left,
                rx.button(rx.icon("shield-check", size=14), "Verify Customer", on_click=VerifyState.open_verify,
                          size="2", variant="solid")),
        rx.cond(~InboxState.selected_closed & ~InboxState.selected_inactive & ~InboxState.selected_pending_transfer
                & ~InboxState.selected_customer_left & InboxState.can_transfer,
                rx.button(rx.icon("arrow-left-right", size=14), "Transfer", on_click=TransferState.open_transfer,
                          size="2", variant="soft")),
        rx.cond(~InboxState.selected_closed & ~InboxState.selected_inactive,
                rx.button(rx.icon("circle-check", size=14), "Wrap Up", on_click=WrapUpState.start, size="2",
                          variant="soft")),
        padding="8px 24px", width="100%", align="center", spacing="4", background="var(--blue-3)",
    )


def customer_header() -> rx.Component:
    return rx.vstack(
        _banner(),
        rx.cond(InboxState.customer_verified & (InboxState.profile.customer_id > 0), customer_cards()),
        data_testid="customer-header",
        data_verified=rx.cond(InboxState.customer_verified, "true", "false"),
        spacing="0", width="100%", border_bottom=BORDER,
    )
