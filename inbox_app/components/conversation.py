"""The conversation section: transcript (with history for verified customers) and the message box."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.attachments import attach_button, attachment_links, pending_attachments
from inbox_app.components.chatbot import chatbot_transcript
from inbox_app.components.common import BORDER
from inbox_app.components.forms import SELECT_STYLE
from inbox_app.components.quick_responses import template_tools
from inbox_app.components.rich_editor import message_editor
from inbox_app.state.email_composer import EmailComposerState
from inbox_app.state.inbox import InboxState, mount_key
from inbox_app.state.quick_responses import QuickResponsesState as QuickResponses
from inbox_app.state.whatsapp_templates import WhatsAppTemplateState
from services.channels.email.original import FRAME_SANDBOX
from services.channels.whatsapp import WINDOW_CLOSED
from services.transcript_window import CHUNKS

_REPLY_LABELS = {"chat": "Chat", "sms": "SMS", "whatsapp": "WhatsApp", "email": "Email"}
_BUBBLE = {
    "customer": ("flex-start", "var(--gray-3)", "var(--gray-12)"),
    "agent": ("flex-end", "var(--accent-9)", "white"),
}


def _status(item, texted) -> rx.Component:
    """A chat message is delivered the moment it is sent, so only SMS and WhatsApp (`texted`) say so."""
    return rx.match(
        item.delivery_status,
        ("failed", rx.hstack(rx.icon("circle-alert", size=12), rx.text("Not delivered", size="1"),
                             color="var(--red-11)", spacing="1", title=item.failure_reason, data_testid="failed")),
        ("queued", rx.text("Queued", size="1", color="var(--gray-11)")),
        ("undelivered", rx.hstack(rx.icon("circle-alert", size=12), rx.text("Not delivered", size="1"),
                                  color="var(--red-11)", spacing="1", title=item.failure_reason)),
        ("sent", rx.text("Sent", size="1", color="var(--gray-11)")),
        ("read", rx.text("Read", size="1", color="var(--gray-11)")),
        ("delivered", rx.cond(texted & (item.author == "agent"),
                              rx.text("Delivered", size="1", color="var(--gray-11)"))),
        rx.fragment(),
    )


def message_bubble(item, *, mine: str = "agent", texted=False) -> rx.Component:
    """One message (its fields at their defaults are not sent, so they are tested by truthiness: wire.py). `mine` is the author shown on the right (agent in the inbox, customer in the chat);
    `texted`: the conversation is SMS or WhatsApp, whose delivery Twilio reports."""
    is_mine = item.author == mine
    is_other = (item.author == "customer") | (item.author == "agent")
    return rx.cond(
        is_other,
        rx.vstack(
            rx.cond(item.body, rx.box(
                # A formatted message's HTML was sanitised on the server (services/formatting.py) when built.
                rx.cond(item.html, rx.html(item.html, class_name="formatted-body"),
                        rx.text(item.body, size="2", white_space="pre-wrap", word_break="break-word")),
                background=rx.cond(is_mine, "var(--accent-9)", "var(--gray-3)"),
                color=rx.cond(is_mine, "white", "var(--gray-12)"),
                border=rx.cond((item.delivery_status == "failed") | (item.delivery_status == "undelivered"),
                               "1px solid var(--red-9)", "none"),
                padding="8px 12px", border_radius="12px", max_width="70%",
            )),
            *([_email_checks(item)] if mine == "agent" else []),
            attachment_links(item.attachments, align=rx.cond(is_mine, "end", "start")),
            rx.cond(item.delivery_status == "receiving",
                    rx.text("Receiving attachment…", size="1", color="var(--gray-11)")),
            rx.hstack(rx.moment(item.at_iso, format="HH:mm", local=True, size="1", color="var(--gray-11)",
                                font_size="11px"),
                      rx.cond(item.via, rx.text("via ", rx.match(item.via, *_REPLY_LABELS.items(), item.via),
                                                       size="1", color="var(--gray-11)")),
                      _status(item, rx.Var.create(texted) | item.via.bool()), spacing="2", align="center"),
            align=rx.cond(is_mine, "end", "start"), width="100%", spacing="1",
            data_testid="message", data_author=item.author, data_status=item.delivery_status,
        ),
        rx.center(
            rx.hstack(
                rx.cond(item.internal, rx.icon("eye-off", size=12, aria_label="Only agents see this note")),
                rx.text(item.body, size="1", color="var(--gray-11)", font_style="italic"),
                spacing="1", align="center", title=rx.cond(item.internal, "Only agents see this note", ""),
            ),
            width="100%", data_testid="message", data_author=item.author,
            data_internal=rx.cond(item.internal, "true", "false"),
        ),
    )


def _email_checks(item) -> rx.Component:
    """A customer's email, for the agent: a warning when its sender failed authentication, and the email as
    written, opened on request in a sandboxed frame (services/channels/email/original.py); nothing is fetched
    until then."""
    return rx.fragment(
        rx.cond(item.unverified_sender, rx.hstack(
            rx.icon("triangle-alert", size=12, aria_hidden="true"),
            rx.text("Sender not verified: the receiving server could not confirm this email came from the customer",
                    size="1"),
            spacing="1", align="center", color="var(--amber-11)", data_testid="unverified-sender")),
        rx.cond(item.original, rx.el.details(
            rx.el.summary("Original email", class_name="email-original-toggle"),
            # Navigated from this page (not from inside the sandboxed frame, whose requests carry no session
            # cookie), so the server checks the agent again before any remote picture is named.
            rx.el.a("Load remote images", href=item.original + "?images=1", target="original-" + item.key,
                    class_name="email-original-toggle", data_testid="load-remote-images",
                    style={"margin_left": "14px", "font_size": "12px", "text_decoration": "underline"}),
            rx.el.iframe(src=item.original, title="Original email", sandbox=FRAME_SANDBOX,
                         name="original-" + item.key,
                         referrer_policy="no-referrer", loading="lazy", data_testid="email-original-frame",
                         style={"width": "100%", "height": "360px", "border": BORDER,
                                "border_radius": "8px", "background": "white", "resize": "vertical",
                                "margin_top": "4px"}),
            data_testid="email-original", style={"width": "min(640px, 100%)"})),
    )


def _item(item) -> rx.Component:
    return rx.match(
        item.kind,
        ("divider", rx.hstack(rx.separator(size="4"),
                              rx.text(item.label, size="1", color="var(--gray-11)", white_space="nowrap"),
                              rx.separator(size="4"), width="100%", align="center", data_testid="history-divider")),
        ("chatbot", chatbot_transcript(item)),
        message_bubble(item, texted=(InboxState.selected_channel == "sms")
                       | (InboxState.selected_channel == "whatsapp")),
    )


def transcript() -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.cond(InboxState.has_earlier,
                    rx.button("Load earlier messages", on_click=InboxState.load_earlier, variant="ghost", size="1",
                              align_self="center")),
            *window_items(InboxState, _item),
            spacing="3", width="100%", margin_bottom="auto",  # a short conversation still starts at the top
        ),
        data_testid="conversation", aria_label="Conversation", role="log",
        tab_index=0,  # a long conversation scrolls: the keyboard can reach it and scroll it too (WCAG 2.1.1)
        # The live region speaks for the log (who wrote what, once, without times); the log stays quiet.
        aria_live="off",
        # Scrolled from the bottom: a conversation opens at its newest message and stays there as messages
        # arrive, and "Load earlier messages" keeps the reader's place, all without a script from the server.
        # A new key per interaction starts each one at its newest message.
        display="flex", flex_direction="column-reverse", key=InboxState.selected_id.to_string(),
        flex="1", overflow_y="auto", padding="16px 24px", width="100%",
    )


def window_items(state, render) -> list[rx.Component]:
    """A tab's transcript in order: `earlier`, the sealed chunks in `chunk_order`, then the live end
    (state/transcript_window.py)."""
    chunks = rx.foreach(state.chunk_order, lambda slot: rx.match(
        slot, *((n, rx.foreach(getattr(state, f"chunk_{n}"), render)) for n in range(CHUNKS)), rx.fragment()))
    return [rx.foreach(state.earlier, render), chunks, rx.foreach(state.items, render)]


def _whatsapp_window() -> rx.Component:
    """WhatsApp: the approved templates are one click away; outside the 24 hours the composer says why."""
    return rx.cond(
        InboxState.selected_channel == "whatsapp",
        rx.hstack(
            rx.cond(~InboxState.whatsapp_window_open,
                    rx.text(WINDOW_CLOSED, size="1", color="var(--amber-11)", data_testid="whatsapp-window-closed")),
            rx.spacer(),
            rx.button(rx.icon("file-text", size=14), "WhatsApp template", on_click=WhatsAppTemplateState.open_templates,
                      size="1", variant="soft"),
            width="100%", align="center",
        ),
    )


def _reply_via() -> rx.Component:
    """Shown when the customer can be reached another way too: the reply goes by the channel chosen."""
    return rx.cond(
        InboxState.reply_options.length() > 1,
        rx.hstack(
            rx.el.label("Reply via", html_for="reply-via", style={"fontSize": "13px", "fontWeight": "500"}),
            rx.el.select(
                rx.foreach(InboxState.reply_options,
                           lambda c: rx.el.option(rx.match(c, *_REPLY_LABELS.items(), c), value=c)),
                # The chips and the search follow the channel chosen (email has no chips).
                id="reply-via", value=InboxState.reply_via, on_change=[InboxState.set_reply_via, QuickResponses.load],
                style={**SELECT_STYLE, "width": "auto"},
            ),
            align="center", spacing="2",
        ),
    )


def message_box() -> rx.Component:
    return rx.cond(
        InboxState.selected_inactive,
        rx.center(rx.text("This interaction was transferred to another agent; it is read-only here.", size="2",
                          color="var(--gray-11)", data_testid="inactive-notice"),
                  padding="14px", border_top=BORDER, width="100%"),
        rx.cond(
            InboxState.selected_customer_left,
            rx.center(rx.text("The customer was inactive and the chat has ended; wrap it up when you are done.",
                              size="2", color="var(--gray-11)", data_testid="inactive-notice"),
                      padding="14px", border_top=BORDER, width="100%"),
            _message_box(),
        ),
    )


def _formatted_box() -> rx.Component:
    """Chat and email in full view: Bold, Italic and Bulleted list (SMS and WhatsApp go as plain text, so they get
    none). For an email it is the body, under To, Cc and Subject."""
    return message_editor(value=InboxState.draft, revision=InboxState.draft_rev, on_change=InboxState.set_draft,
                          on_key_down=InboxState.draft_key,
                          placeholder=rx.cond(InboxState.email_composer, "Write the email…",
                                              "Type a message… (Ctrl+Enter to send)"),
                          data_testid=rx.cond(InboxState.email_composer, "email-body", "message-box"),
                          aria_label=rx.cond(InboxState.email_composer, "Email body", "Message"), id="message-box")


def _email_field(label: str, name: str, value, on_change, **props) -> rx.Component:
    field_id = f"email-{name}"
    return rx.hstack(
        rx.el.label(label, html_for=field_id, style={"fontSize": "13px", "fontWeight": "500", "width": "56px"}),
        rx.input(id=field_id, value=value, on_change=on_change, size="1", width="100%", **props),
        align="center", spacing="2", width="100%",
    )


def _email_fields() -> rx.Component:
    """To, Cc and Subject, filled for the interaction when the composer opens (a new key per interaction)."""
    E = EmailComposerState
    return rx.vstack(
        _email_field("To", "to", E.email_to, E.set_email_to, type="text", autocomplete="off"),
        _email_field("Cc", "cc", E.email_cc, E.set_email_cc, type="text", autocomplete="off",
                     placeholder="Addresses separated by commas"),
        _email_field("Subject", "subject", E.email_subject, E.set_email_subject, max_length=200),
        spacing="1", width="100%", data_testid="email-composer",
        key=mount_key(), on_mount=E.load_defaults,
    )


def _plain_box() -> rx.Component:
    return rx.text_area(value=InboxState.draft, on_change=InboxState.set_draft, on_key_down=InboxState.draft_key,
                        placeholder="Type a message… (Ctrl+Enter to send)", data_testid="message-box",
                        aria_label="Message", id="message-box", rows="3", resize="vertical", width="100%")


def _message_box() -> rx.Component:
    return rx.cond(
        InboxState.selected_closed,
        rx.center(rx.text("This interaction is closed and read-only.", size="2", color="var(--gray-11)"),
                  padding="14px", border_top=BORDER, width="100%"),
        rx.vstack(
            rx.cond(InboxState.notice != "", rx.text(InboxState.notice, size="1", color="var(--red-11)", role="alert")),
            rx.cond(InboxState.chat_ended,
                    rx.text(rx.cond(InboxState.email_composer,
                                    "The customer has ended the chat: replies go by email now.",
                                    "The customer has ended the chat; new messages cannot be delivered."),
                            size="1", color="var(--amber-11)", data_testid="chat-ended")),
            _whatsapp_window(),
            _reply_via(),
            rx.cond(InboxState.email_composer, _email_fields()),
            rx.hstack(
                rx.cond(InboxState.formatted_composer, _formatted_box(), _plain_box()),
                rx.vstack(
                    # Never disabled (see the Live Chat page): the server refuses an empty message with a notice.
                    rx.button(rx.icon("send", size=14), "Send", on_click=InboxState.send, size="2", width="100%"),
                    attach_button("inbox-attach", InboxState.attach(rx.upload_files(upload_id="inbox-attach")),
                                  InboxState.attach_refused),
                    spacing="1",
                ),
                width="100%", align="end", spacing="2",
            ),
            pending_attachments(InboxState.pending_attachments, InboxState.remove_attachment,
                                InboxState.attachment_error),
            template_tools(),
            rx.cond(InboxState.sms_segments != "",
                    rx.text(InboxState.sms_segments, size="1", color="var(--gray-11)", data_testid="sms-segments")),
            padding="12px 24px", border_top=BORDER, width="100%", spacing="1",
            background="var(--color-panel-solid)",
        ),
    )
