"""The Response Templates popup: My Responses (the agent's own, per organization) and Base Templates."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.dialog import dialog_content
from inbox_app.components.forms import SELECT_STYLE, error_text, info_text
from inbox_app.components.template_form import channel_marks, template_form
from inbox_app.state.templates import TemplatesState as T

_ROW = {"padding": "8px 4px", "borderBottom": "1px solid var(--gray-a4)", "width": "100%"}


def _summary(template) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(template.display_sequence.to_string(), size="1", color="var(--gray-11)", min_width="22px",
                    title="Display Sequence"),
            rx.text(template.name, size="2", weight="medium"),
            channel_marks(template),
            spacing="2", align="center",
        ),
        rx.text(template.preview, size="1", color="var(--gray-11)", overflow="hidden", text_overflow="ellipsis",
                white_space="nowrap", max_width="480px", padding_left="30px"),
        spacing="0", min_width="0", flex="1",
    )


def _my_row(template) -> rx.Component:
    return rx.hstack(
        _summary(template),
        rx.button("Edit", size="1", variant="soft", on_click=T.edit(template.template_id),
                  aria_label="Edit " + template.name),
        rx.button("Delete", size="1", variant="soft", color_scheme="red", on_click=T.delete(template.template_id),
                  aria_label="Delete " + template.name),
        data_testid="response-template", data_name=template.name, align="center", spacing="2", style=_ROW,
    )


def _base_row(template) -> rx.Component:
    return rx.hstack(
        _summary(template),
        rx.button(rx.icon("copy", size=12, aria_hidden="true"), "Copy", size="1", variant="soft",
                  on_click=T.copy_base(template.template_id), aria_label="Copy " + template.name),
        data_testid="base-template", data_name=template.name, align="center", spacing="2", style=_ROW,
    )


def _organization_choice() -> rx.Component:
    return rx.cond(
        T.organizations.length() > 1,
        rx.hstack(
            rx.el.label("Organization", html_for="templates-org", style={"fontSize": "13px", "fontWeight": "500"}),
            rx.el.select(rx.foreach(T.organizations, lambda o: rx.el.option(o.name, value=o.organization_id)),
                         id="templates-org", value=T.organization_id, on_change=T.set_organization_id,
                         style={**SELECT_STYLE, "width": "180px"}),
            spacing="2", align="center",
        ),
    )


def _my_responses() -> rx.Component:
    return rx.vstack(
        rx.hstack(_organization_choice(), rx.spacer(),
                  rx.button(rx.icon("plus", size=14, aria_hidden="true"), "New response", size="2",
                            on_click=T.new_response),
                  width="100%", align="center"),
        template_form(T, "response"),
        error_text(T.error),
        info_text(T.saved),
        rx.box(
            rx.cond(T.mine.length() > 0, rx.foreach(T.mine, _my_row),
                    rx.text("No responses of your own yet. Start one with New response, or Copy a base template.",
                            size="2", color="var(--gray-11)", padding="8px 4px")),
            width="100%",
        ),
        spacing="3", width="100%",
    )


def _base_templates() -> rx.Component:
    return rx.vstack(
        rx.text("The organization's templates, read-only. Copy one to start a response of your own.", size="2",
                color="var(--gray-11)"),
        rx.box(rx.foreach(T.base, _base_row), width="100%"),
        spacing="2", width="100%",
    )


def template_dialog() -> rx.Component:
    return rx.dialog.root(
        dialog_content(
            rx.dialog.title("Response Templates"),
            rx.dialog.description("Your own responses and the organization's base templates, in display sequence.",
                                  size="2", color="var(--gray-11)"),
            rx.tabs.root(
                rx.tabs.list(rx.tabs.trigger("My Responses", value="mine"),
                             rx.tabs.trigger("Base Templates", value="base")),
                rx.tabs.content(_my_responses(), value="mine", padding_top="12px"),
                rx.tabs.content(_base_templates(), value="base", padding_top="12px"),
                value=T.tab, on_change=T.set_tab, width="100%",
            ),
            rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end",
                      width="100%", margin_top="8px"),
            max_width="720px", max_height="85vh", overflow_y="auto",
        ),
        open=T.open,
        on_open_change=T.set_open,
    )


def templates_gear() -> rx.Component:
    """The gear in the Interaction Panel that opens the popup: drawn at the end of the tab bar, but not inside
    the tablist (which may hold tabs only); after the rows in the tab order."""
    return rx.box(
        rx.icon_button(rx.icon("settings", size=16), on_click=T.open_templates, variant="ghost", size="2",
                       color_scheme="gray", aria_label="Response templates", title="Response templates"),
        position="absolute", top="4px", right="8px",
    )
