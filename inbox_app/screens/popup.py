"""The Communication Popup: while a secondary screen covers the message box, the agent keeps writing to the
selected interaction's customer from the bottom of the Interaction Panel. It is the same draft and Send as the
message box (so Reply via, quick responses and the server's rules all apply), shown small; Back to Inbox removes
it because the message box is back."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import BORDER
from inbox_app.components.rich_editor import message_editor
from inbox_app.screens.navigation import ScreenState
from inbox_app.state.inbox import InboxState, mount_key
from inbox_app.state.quick_responses import QuickResponsesState as Q
from services.transcript_window import TAIL_MIN

SHOWN_MESSAGES = TAIL_MIN  # the live end of the conversation, always in `items`: what the customer just wrote


def _line(item) -> rx.Component:
    return rx.cond(
        (item.kind == "message") & ((item.author == "customer") | (item.author == "agent")),
        rx.text(rx.el.span(rx.cond(item.author == "agent", "You: ", "Customer: "), style={"fontWeight": "600"}),
                item.body, size="1", truncate=True, data_testid="popup-message", data_author=item.author),
    )


def _chip(chip) -> rx.Component:
    return rx.button(chip.name, on_click=Q.use(chip.template_id, -1), size="1", variant="surface", radius="full",
                     color_scheme="gray", high_contrast=True, data_testid="quick-response",
                     style={"flexShrink": "0"})


def _open() -> rx.Var:
    covered = ScreenState.open_screens[InboxState.selected_id.to_string()]
    return ((InboxState.selected_id > 0) & covered.bool() & ~InboxState.selected_closed
            & ~InboxState.selected_inactive & ~InboxState.selected_customer_left)


def communication_popup() -> rx.Component:
    return rx.cond(_open(), rx.vstack(
        rx.hstack(rx.icon("message-square", size=14), rx.text(InboxState.customer_name, size="1", weight="bold",
                                                              truncate=True), spacing="1", align="center"),
        rx.vstack(rx.foreach(InboxState.items[-SHOWN_MESSAGES:], _line), spacing="0", width="100%"),
        rx.cond(InboxState.notice != "", rx.text(InboxState.notice, size="1", color="var(--red-11)", role="alert")),
        # The same draft as the message box, so the same kind of box: formatted for chat and email.
        rx.cond(InboxState.formatted_composer,
                message_editor(value=InboxState.draft, revision=InboxState.draft_rev, on_change=InboxState.set_draft,
                               on_key_down=InboxState.draft_key, placeholder="Message… (Ctrl+Enter to send)",
                               aria_label="Message", id="popup-message-box", data_testid="popup-message-box"),
                rx.text_area(value=InboxState.draft, on_change=InboxState.set_draft, on_key_down=InboxState.draft_key,
                             placeholder="Message… (Ctrl+Enter to send)", aria_label="Message", rows="2",
                             width="100%", data_testid="popup-message-box")),
        rx.hstack(rx.hstack(rx.foreach(Q.chips, _chip), spacing="1", overflow_x="auto", min_width="0", flex="1",
                            role="group", aria_label="Quick responses"),
                  rx.button(rx.icon("send", size=12), "Send", on_click=InboxState.send, size="1"),
                  width="100%", align="center", spacing="1"),
        # Mounted afresh per interaction: its quick responses are loaded for it.
        key=mount_key(), on_mount=Q.load,
        data_testid="communication-popup", role="region", aria_label="Communication Popup",
        spacing="1", width="100%", padding="8px 12px", border_top=BORDER, background="var(--accent-2)",
    ))
