"""Small render pieces the secondary screens share: a titled section, a label/value row, a table."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import BORDER


def section(title: str, *children, **props) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="2", as_="h3", color="var(--gray-12)"),
        *children,
        **{"spacing": "2", "width": "100%", "padding": "10px 12px", "border": BORDER, "border_radius": "8px",
           "background": "var(--color-panel-solid)", **props},
    )


def fact(label: str, value, **props) -> rx.Component:
    return rx.hstack(rx.text(label, size="1", color="var(--gray-11)", width="96px", flex_shrink="0"),
                     rx.text(value, size="1", weight="medium", **props), spacing="1", width="100%")


def table(headers: list[str], rows, row, **props) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, row)),
        size="1", variant="ghost", width="100%", **props,
    )


def error(text) -> rx.Component:
    return rx.cond(text != "", rx.callout(text, icon="triangle-alert", color_scheme="red", size="1", role="alert"))


def status_badge(status) -> rx.Component:
    color = rx.match(status, ("Open", "blue"), ("Shipped", "amber"), ("Delivered", "green"), ("Cancelled", "red"),
                     ("Closed", "gray"), "gray")
    return rx.badge(status, color_scheme=color, variant="soft", size="1", high_contrast=True)
