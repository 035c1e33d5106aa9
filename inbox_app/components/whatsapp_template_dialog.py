"""The `WhatsApp template` popup: choose an approved template, fill in its values, send it."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.dialog import dialog_content
from inbox_app.components.forms import SELECT_STYLE, error_text, field
from inbox_app.state.whatsapp_templates import WhatsAppTemplateState as W


def _value(placeholder, index) -> rx.Component:
    field_id = "template-value-" + placeholder
    return rx.vstack(
        rx.el.label("Value " + placeholder, html_for=field_id, style={"fontSize": "13px", "fontWeight": "500"}),
        rx.input(id=field_id, value=W.template_values[index], on_change=lambda v: W.set_template_value(index, v),
                 width="100%"),
        spacing="1", width="100%",
    )


def whatsapp_template_dialog() -> rx.Component:
    return rx.dialog.root(
        dialog_content(
            rx.dialog.title("WhatsApp template"),
            rx.dialog.description("WhatsApp lets you write first, or again after 24 hours, only with a template "
                                  "approved for your organization.", size="2", color="var(--gray-11)"),
            rx.vstack(
                field("Template", "whatsapp-template", rx.el.select(
                    rx.el.option("Choose a template", value=""),
                    rx.foreach(W.templates, lambda t: rx.el.option(t.name, value=t.name)),
                    id="whatsapp-template", value=W.template_name, on_change=W.choose_template, style=SELECT_STYLE)),
                rx.cond(W.template_preview != "",
                        rx.text(W.template_preview, size="2", color="var(--gray-11)", white_space="pre-wrap",
                                data_testid="template-preview")),
                rx.foreach(W.template_placeholders, _value),
                error_text(W.template_error),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Send template", on_click=W.send_template),
                    justify="end", width="100%", spacing="2",
                ),
                spacing="2", width="100%", margin_top="8px",
            ),
            max_width="480px",
        ),
        open=W.template_open,
        on_open_change=W.set_template_open,
    )
