"""Small labelled form pieces shared by the inbox's popups."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML

# Native selects: the browser's own keyboard handling, and labels Playwright finds with get_by_label.
SELECT_STYLE = {"width": "100%", "padding": "6px 8px", "borderRadius": "6px", "border": "1px solid var(--gray-a7)",
                "background": "var(--color-surface)"}


def field(label: str, field_id: str, control: rx.Component, width: str = "100%") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style={"fontSize": "13px", "fontWeight": "500"}),
        control, spacing="1", width=width,
    )


def error_text(message) -> rx.Component:
    return rx.cond(message != "", rx.text(message, color="var(--red-11)", size="2", role="alert"))


def info_text(message) -> rx.Component:
    return rx.cond(message != "", rx.text(message, color="var(--green-11)", size="2", role="status"))


def fact(label: str, value) -> rx.Component:
    return rx.hstack(rx.text(label, size="2", color="var(--gray-11)", width="120px", flex_shrink="0"),
                     rx.text(value, size="2"), spacing="2", width="100%")


class NativeForm(BaseHTML):
    """A plain HTML form that the browser posts itself (Reflex's form always cancels the native submit).

    Sign-in and sign-out post to HTTP routes, because only an HTTP response can set an HttpOnly cookie.
    """

    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]


native_form = NativeForm.create
