"""Small labelled form pieces shared by the inbox's popups."""

from __future__ import annotations

import reflex as rx


def field(label: str, field_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style={"fontSize": "13px", "fontWeight": "500"}),
        control, spacing="1", width="100%",
    )


def error_text(message) -> rx.Component:
    return rx.cond(message != "", rx.text(message, color="var(--red-11)", size="2", role="alert"))


def info_text(message) -> rx.Component:
    return rx.cond(message != "", rx.text(message, color="var(--green-11)", size="2", role="status"))


def fact(label: str, value) -> rx.Component:
    return rx.hstack(rx.text(label, size="2", color="var(--gray-10)", width="120px", flex_shrink="0"),
                     rx.text(value, size="2"), spacing="2", width="100%")
