"""/settings/templates: managers maintain every agent's custom templates and the base templates."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import manager_page
from inbox_app.components.forms import SELECT_STYLE, error_text, field, info_text
from inbox_app.components.template_form import channel_marks, template_form
from inbox_app.state.templates_settings import TemplatesSettingsState as S


def _row(template) -> rx.Component:
    return rx.table.row(
        rx.table.cell(template.organization_name),
        rx.table.cell(rx.cond(template.base, rx.text("Base template", color="var(--gray-11)"), template.owner_name)),
        rx.table.cell(template.display_sequence.to_string()),
        rx.table.cell(rx.vstack(rx.text(template.name, weight="medium"),
                                rx.text(template.preview, size="1", color="var(--gray-11)", overflow="hidden",
                                        text_overflow="ellipsis", white_space="nowrap", max_width="380px"),
                                spacing="0")),
        rx.table.cell(channel_marks(template)),
        rx.table.cell(rx.hstack(
            rx.button("Edit", size="1", variant="soft", on_click=S.edit(template.template_id),
                      aria_label="Edit " + template.name),
            rx.button("Delete", size="1", variant="soft", color_scheme="red", on_click=S.delete(template.template_id),
                      aria_label="Delete " + template.name),
            spacing="2")),
        data_testid=rx.cond(template.base, "base-template", "response-template"), data_name=template.name,
    )


def _new_base() -> rx.Component:
    return rx.hstack(
        field("Organization", "templates-settings-org",
              rx.el.select(rx.foreach(S.organizations, lambda o: rx.el.option(o.name, value=o.organization_id)),
                           id="templates-settings-org", value=S.organization_id, on_change=S.set_organization_id,
                           style={**SELECT_STYLE, "width": "170px", "height": "32px"}), width="auto"),
        rx.button(rx.icon("plus", size=14, aria_hidden="true"), "New base template", on_click=S.new_base_template),
        align="end", spacing="3",
    )


def _manager_view() -> rx.Component:
    return rx.vstack(
        rx.text("Every agent's own responses and the base templates of your organizations. Agents see only their "
                "own responses and the base templates.", size="2", color="var(--gray-11)"),
        _new_base(),
        rx.box(template_form(S, "settings-template"), width="100%", max_width="760px"),
        error_text(S.error),
        info_text(S.saved),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                          ("Organization", "Agent", "Seq.", "Response", "Available In", "")])),
            rx.table.body(rx.foreach(S.rows, _row)),
            size="1", width="100%",
        ),
        spacing="3", width="100%",
    )


def templates_settings_page() -> rx.Component:
    return manager_page("templates", "Response templates", S.allowed, _manager_view(),
                        "Only managers with the template grant maintain other agents' templates.")
