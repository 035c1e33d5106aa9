"""/routing: why each interaction went where it went (managers see all; agents their own)."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import app_header
from inbox_app.state.routing_log import RoutingLogState


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.moment(row.at_iso, format="MMM D, HH:mm:ss", local=True)),
        rx.table.cell(row.interaction_id),
        rx.table.cell(rx.badge(row.outcome, color_scheme=rx.cond(row.outcome == "assigned", "green", "amber"),
                               high_contrast=True)),
        rx.table.cell(row.summary),
        rx.table.cell(rx.text(row.candidates, size="1", color="var(--gray-11)")),
        data_testid="routing-decision",
    )


def routing_page() -> rx.Component:
    return rx.vstack(
        app_header("routing", with_bell=True),
        rx.vstack(
            rx.heading("Routing log", size="5"),
            rx.text(RoutingLogState.scope, size="2", color="var(--gray-11)"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                              ("When", "Interaction", "Outcome", "Why", "Candidates considered")])),
                rx.table.body(rx.foreach(RoutingLogState.decisions, _row)),
                size="1", width="100%",
            ),
            padding="20px 24px", width="100%", spacing="3", overflow_y="auto",
        ),
        spacing="0", height="100vh", width="100%",
    )
