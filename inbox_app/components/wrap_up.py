"""The Wrap Up popup."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.dialog import dialog_content
from inbox_app.components.forms import SELECT_STYLE, error_text, field
from inbox_app.state.wrap_up import WrapUpState


def _native_select(label: str, field_id: str, value, options, on_change, placeholder: str) -> rx.Component:
    return field(
        label, field_id,
        rx.el.select(
            rx.el.option(placeholder, value=""),
            rx.foreach(options, lambda option: rx.el.option(option, value=option)),
            id=field_id, value=value, on_change=on_change,
            style=SELECT_STYLE,
        ),
    )


def wrap_up_dialog() -> rx.Component:
    return rx.dialog.root(
        dialog_content(
            rx.dialog.title("Wrap Up"),
            rx.dialog.description("Close this interaction. Its case closes too unless a follow-up is required.",
                                  size="2", color="var(--gray-11)"),
            rx.vstack(
                rx.cond(WrapUpState.suggested, rx.hstack(
                    rx.badge(rx.icon("sparkles", size=12), "Suggested", color_scheme="violet", variant="soft",
                             data_testid="wrap-up-suggested"),
                    rx.text("Auto-generated from the conversation; change it if it does not fit.", size="1",
                            color="var(--gray-11)"),
                    spacing="2", align="center")),
                _native_select("Category", "wrap-up-category", WrapUpState.category, WrapUpState.category_names,
                               WrapUpState.set_category, "Choose a category"),
                _native_select("Subcategory", "wrap-up-subcategory", WrapUpState.subcategory,
                               WrapUpState.subcategory_names, WrapUpState.set_subcategory, "Choose a subcategory"),
                field("Notes", "wrap-up-notes",
                      rx.text_area(id="wrap-up-notes", value=WrapUpState.notes, on_change=WrapUpState.set_notes,
                                   rows="4", width="100%")),
                rx.checkbox("Follow Up Required", checked=WrapUpState.follow_up,
                            on_change=WrapUpState.set_follow_up),
                error_text(WrapUpState.error),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Submit", on_click=WrapUpState.submit),
                    justify="end", width="100%", spacing="2",
                ),
                spacing="3", width="100%", margin_top="12px",
            ),
            max_width="460px",
        ),
        open=WrapUpState.open,
        on_open_change=WrapUpState.set_open,
    )
