"""/settings/wrap-up: managers maintain the Category / Subcategory lists the Wrap Up popup offers."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import manager_page
from inbox_app.components.forms import SELECT_STYLE, error_text, field, info_text
from inbox_app.state.wrap_up_settings import WrapUpSettingsState as S

_SELECT_STYLE = {**SELECT_STYLE, "width": "170px", "height": "32px"}


def _add_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            field("Organization", "wrap-up-org",
                  rx.el.select(rx.foreach(S.organizations, lambda o: rx.el.option(o.name, value=o.organization_id)),
                               id="wrap-up-org", value=S.organization_id, on_change=S.set_organization_id,
                               style=_SELECT_STYLE), width="auto"),
            field("Category", "new-category", rx.input(id="new-category", name="category", width="200px"),
                  width="auto"),
            field("Subcategory", "new-subcategory", rx.input(id="new-subcategory", name="subcategory",
                                                             width="200px"), width="auto"),
            rx.button(rx.icon("plus", size=14), "Add", type="submit"),
            align="end", spacing="3",
        ),
        on_submit=S.add, reset_on_submit=True,
    )


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.organization_name), rx.table.cell(row.category), rx.table.cell(row.subcategory),
        rx.table.cell(rx.text(row.description, size="1", color="var(--gray-11)", max_width="320px",
                              overflow="hidden", text_overflow="ellipsis", white_space="nowrap",
                              title=row.description)),
        rx.table.cell(rx.hstack(
            rx.icon_button(rx.icon("pencil", size=14), on_click=S.start_describe(row.category_id), variant="ghost",
                           size="1", aria_label="Describe " + row.category + " / " + row.subcategory),
            rx.icon_button(rx.icon("trash-2", size=14), on_click=S.remove(row.category_id),
                           variant="ghost", color_scheme="red", size="1",
                           aria_label="Remove " + row.category + " / " + row.subcategory),
            spacing="3")),
        data_testid="wrap-up-category",
    )


def _describe_dialog() -> rx.Component:
    """Optional words that help the chatbot classifier pick this pair (the Wrap Up suggestion and transcripts)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Describe " + S.edit_title),
            rx.dialog.description("Optional. The chatbot classifier compares conversations with these words to "
                                  "suggest a category.", size="2", color="var(--gray-11)"),
            rx.vstack(
                field("Description", "category-description",
                      rx.text_area(id="category-description", value=S.edit_description,
                                   on_change=S.set_edit_description, rows="2", width="100%")),
                field("Examples (one per line)", "category-examples",
                      rx.text_area(id="category-examples", value=S.edit_examples, on_change=S.set_edit_examples,
                                   rows="5", width="100%")),
                rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                          rx.button("Save", on_click=S.save_describe), justify="end", width="100%"),
                spacing="3", width="100%", margin_top="12px",
            ),
            max_width="520px",
        ),
        open=S.editing_id > 0, on_open_change=S.set_describing,
    )


def _manager_view() -> rx.Component:
    return rx.vstack(
        rx.text("The Wrap Up popup offers these pairs for interactions of each organization. Removing a pair "
                "leaves cases already wrapped up as they are.", size="2", color="var(--gray-11)"),
        _add_form(),
        error_text(S.error),
        info_text(S.saved),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                          ("Organization", "Category", "Subcategory", "Description", "")])),
            rx.table.body(rx.foreach(S.rows, _row)),
            size="1", width="100%", max_width="1000px",
        ),
        _describe_dialog(),
        spacing="3", width="100%",
    )


def wrap_up_settings_page() -> rx.Component:
    return manager_page("wrap-up", "Wrap-up categories", S.allowed, _manager_view(),
                        "Only managers maintain the wrap-up lists.")
