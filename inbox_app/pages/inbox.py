"""/inbox: the Agent Inbox."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import app_header
from inbox_app.components.live_region import live_region
from inbox_app.components.conversation import message_box, transcript
from inbox_app.components.customer_header import customer_header
from inbox_app.components.panel import interaction_panel
from inbox_app.components.case_dialog import case_dialog
from inbox_app.components.order_dialog import order_dialog
from inbox_app.components.profile_dialog import profile_dialog
from inbox_app.components.verify_dialog import verify_dialog
from inbox_app.components.transfer_dialog import transfer_dialog, transfer_result_dialog
from inbox_app.components.whatsapp_template_dialog import whatsapp_template_dialog
from inbox_app.components.template_dialog import template_dialog
from inbox_app.components.wrap_up import wrap_up_dialog
from inbox_app.screens import catalog  # noqa: F401 - registers the inbox's secondary screens
from inbox_app.screens.frame import conversation_or_screen
from inbox_app.state.inbox import InboxState


def _nothing_selected() -> rx.Component:
    return rx.center(
        rx.vstack(rx.icon("messages-square", size=36, color="var(--gray-8)"),
                  rx.text("Select an interaction to see the conversation.", color="var(--gray-11)", size="2"),
                  align="center", spacing="2"),
        flex="1", width="100%",
    )


def _main() -> rx.Component:
    return rx.cond(
        InboxState.selected_id > 0,
        # A secondary screen, when this interaction has one open, takes the conversation's place.
        rx.vstack(customer_header(), conversation_or_screen(transcript(), message_box()), spacing="0",
                  height="100%", width="100%",
                  min_width="0"),
        _nothing_selected(),
    )


def inbox_page() -> rx.Component:
    return rx.vstack(
        app_header("inbox"),
        rx.hstack(interaction_panel(), _main(), spacing="0", flex="1", width="100%", min_height="0"),
        wrap_up_dialog(),
        verify_dialog(),
        order_dialog(),
        case_dialog(),
        profile_dialog(),
        transfer_dialog(),
        transfer_result_dialog(),
        whatsapp_template_dialog(),
        template_dialog(),
        live_region(InboxState.announcement),
        spacing="0", height="100vh", width="100%", background="var(--gray-1)",
    )
