"""The response form (Response Name, Response, Available In, Display Sequence) and a template's channel marks,
shared by the Response Templates popup and /settings/templates. `S` is the state class holding the form."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.forms import field
from inbox_app.components.rich_editor import message_editor

_CHECK = {"width": "15px", "height": "15px", "accentColor": "var(--accent-9)", "margin": "0"}
VARIABLES_HINT = "Variables: {customer_first_name}, {agent_first_name}, {organization}"


def _checkbox(label: str, name: str, checked, prefix: str) -> rx.Component:
    box_id = f"{prefix}-{name}"
    return rx.hstack(
        rx.el.input(type="checkbox", id=box_id, name=name, default_checked=checked, style=_CHECK),
        rx.el.label(label, html_for=box_id, style={"fontSize": "13px", "cursor": "pointer"}),
        spacing="1", align="center",
    )


def template_form(S, prefix: str) -> rx.Component:
    """Uncontrolled fields (no event per keystroke), remounted with new defaults whenever `form_key` changes."""
    return rx.cond(
        S.form_open,
        rx.form(
            rx.vstack(
                rx.text(S.form_title, size="2", weight="bold"),
                rx.hstack(
                    field("Response Name", f"{prefix}-name",
                          rx.input(id=f"{prefix}-name", name="name", default_value=S.form_name, max_length=80,
                                   width="100%")),
                    field("Display Sequence", f"{prefix}-sequence",
                          rx.input(id=f"{prefix}-sequence", name="display_sequence", type="number", min=0, max=9999,
                                   default_value=S.form_sequence, placeholder="Next", width="100%"),
                          width="130px"),
                    spacing="3", width="100%", align="end",
                ),
                field("Response", f"{prefix}-body",
                      message_editor(id=f"{prefix}-body", name="body", value=S.form_body, aria_label="Response")),
                rx.text(VARIABLES_HINT, size="1", color="var(--gray-11)"),
                rx.el.fieldset(
                    rx.el.legend("Available In", style={"fontSize": "13px", "fontWeight": "500",
                                                        "marginBottom": "4px"}),
                    rx.hstack(
                        _checkbox("Chat", "chat", S.form_chat, prefix),
                        _checkbox("Text (SMS/WhatsApp)", "text", S.form_text, prefix),
                        _checkbox("Email", "email", S.form_email, prefix),
                        _checkbox("Quick Response", "quick_response", S.form_quick, prefix),
                        spacing="4", wrap="wrap",
                    ),
                    style={"border": "none", "padding": "0", "margin": "0"},
                ),
                rx.hstack(
                    rx.button("Cancel", type="button", variant="soft", color_scheme="gray", size="2",
                              on_click=S.close_form),
                    rx.button("Save", type="submit", size="2"),
                    justify="end", width="100%", spacing="2",
                ),
                spacing="2", width="100%",
            ),
            key=S.form_key.to_string(),
            on_submit=S.save,
            width="100%", padding="12px", border="1px solid var(--gray-a6)", border_radius="8px",
            background="var(--gray-a2)", data_testid="response-form",
        ),
    )


def channel_marks(template) -> rx.Component:
    """Icons for the channels, and the words "Quick Response" (not an icon), as the seed describes."""
    def mark(shown, icon: str, label: str) -> rx.Component:
        return rx.cond(shown, rx.icon(icon, size=14, role="img", aria_label=label, color="var(--gray-11)"))

    return rx.hstack(
        mark(template.chat, "message-circle", "Chat"),
        mark(template.text, "smartphone", "Text (SMS/WhatsApp)"),
        mark(template.email, "mail", "Email"),
        rx.cond(template.quick_response,
                rx.text("Quick Response", size="1", color="var(--accent-11)", weight="medium",
                        white_space="nowrap")),
        spacing="2", align="center",
    )
