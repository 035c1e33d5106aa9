"""/chat/[org_slug]: the companion Live Chat a retailer embeds in its site."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.attachments import attach_button, pending_attachments
from inbox_app.components.live_region import live_region
from inbox_app.components.conversation import message_bubble, window_items
from inbox_app.state.chat import ChatState


def _field(label: str, name: str, kind: str = "text", autocomplete: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"chat-{name}", style={"fontSize": "13px", "fontWeight": "500"}),
        rx.input(id=f"chat-{name}", name=name, type=kind, auto_complete=autocomplete, width="100%"),
        spacing="1", width="100%",
    )


def _error() -> rx.Component:
    return rx.cond(ChatState.error != "", rx.text(ChatState.error, color="var(--red-11)", size="2", role="alert"))


def _start_form() -> rx.Component:
    return rx.cond(
        ChatState.verified_name != "",
        rx.vstack(
            rx.text("Hi ", ChatState.verified_name, "! How can we help?", size="3"),
            rx.button("Start chat", on_click=ChatState.start_verified_chat, width="100%", size="3"),
            _error(), spacing="3", width="100%", padding="20px",
        ),
        rx.form(
            rx.vstack(
                rx.text("Tell us who you are and an agent will be with you shortly.", size="2", color="var(--gray-11)"),
                rx.hstack(_field("First name", "first_name", autocomplete="given-name"),
                          _field("Last name", "last_name", autocomplete="family-name"), width="100%"),
                _field("Email", "email", kind="email", autocomplete="email"),
                _field("Phone", "phone", kind="tel", autocomplete="tel"),
                rx.text("Email or phone (with country code, e.g. +1 415 555 0100).", size="1", color="var(--gray-11)"),
                _error(),
                rx.button("Start chat", type="submit", width="100%", size="3"),
                spacing="3", width="100%", padding="20px",
            ),
            on_submit=ChatState.start_chat, reset_on_submit=False,
        ),
    )


def _conversation() -> rx.Component:
    return rx.box(
        rx.vstack(*window_items(ChatState, lambda item: message_bubble(item, mine="customer")),
                  spacing="3", width="100%", margin_bottom="auto"),
        # Scrolled from the bottom, like the inbox's conversation: the newest message stays in view.
        display="flex", flex_direction="column-reverse",
        flex="1", overflow_y="auto", padding="16px", width="100%", role="log", aria_label="Conversation",
        # The live region speaks for the log (the agent's replies, once, without times); the log stays quiet.
        aria_live="off",
    )


def _composer() -> rx.Component:
    return rx.vstack(
        _error(),
        rx.hstack(
            # The browser's copy of its chat token rides along, so a chat survives Redis losing its state.
            rx.text_area(value=ChatState.draft,
                         on_change=lambda value: ChatState.set_draft(value, ChatState.chat_tokens),
                         on_key_down=lambda key, info: ChatState.draft_key(key, info, ChatState.chat_tokens),
                         placeholder="Write a message…", data_testid="message-box", aria_label="Message",
                         rows="2", width="100%"),
            # Never disabled: the box reports its text up to 300 ms late (debounced), and a Send that waited
            # for it would feel stuck. Leaving the box flushes the text first; an empty message is ignored.
            rx.vstack(
                rx.button("Send", on_click=ChatState.send(ChatState.chat_tokens), width="100%"),
                attach_button("chat-attach", ChatState.attach(rx.upload_files(upload_id="chat-attach")),
                              ChatState.attach_refused),
                spacing="1",
            ),
            width="100%", align="end",
        ),
        pending_attachments(ChatState.pending, ChatState.remove_attachment, ChatState.attachment_error),
        rx.button("End chat", on_click=ChatState.end_chat, variant="ghost", color_scheme="gray", size="1"),
        width="100%", padding="12px 16px", border_top="1px solid var(--gray-a5)", spacing="2", align="end",
    )


def _rating() -> rx.Component:
    return rx.vstack(
        rx.cond(
            ChatState.stage == "rated",
            rx.text("Thank you for your feedback!", size="2", weight="medium"),
            rx.vstack(
                rx.text("How did we do?", size="2", weight="medium"),
                rx.hstack(*[rx.button(str(n), on_click=ChatState.rate(n), variant="soft", aria_label=f"{n}")
                            for n in range(1, 6)], spacing="2"),
                rx.text("1 = poor, 5 = excellent", size="1", color="var(--gray-11)"),
                data_testid="csat", align="center", spacing="2",
            ),
        ),
        _error(),
        rx.button("Start a new chat", on_click=ChatState.new_chat, variant="ghost", size="1"),
        width="100%", padding="16px", border_top="1px solid var(--gray-a5)", align="center", spacing="2",
    )


def chat_page() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.hstack(rx.icon("message-circle", size=20), rx.text(ChatState.org_name, weight="bold", size="3"),
                      rx.spacer(), rx.text("Live Chat", size="1"),
                      width="100%", padding="12px 16px", align="center", background="var(--accent-9)", color="white"),
            rx.match(
                ChatState.stage,
                ("missing", rx.center(rx.text("This chat is not available."), padding="40px")),
                ("loading", rx.center(rx.spinner(), padding="40px")),
                ("start", _start_form()),
                ("chatting", rx.fragment(_conversation(), _composer())),
                rx.fragment(_conversation(), _rating()),
            ),
            spacing="0", width="100%", max_width="480px", height="100%", max_height="720px",
            border="1px solid var(--gray-a5)", border_radius="12px", overflow="hidden",
            background="var(--color-panel-solid)",
        ),
        live_region(ChatState.announcement),
        height="100dvh", width="100%", padding=["0", "16px"], background="var(--gray-2)",
    )
