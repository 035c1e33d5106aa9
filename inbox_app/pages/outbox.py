"""/outbox: outbound email, SMS and WhatsApp for the manager's organizations (grant `outbox`)."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import CHANNEL_LABELS, manager_page
from inbox_app.components.forms import error_text
from inbox_app.state.outbox_log import OutboxState as S

_STATUS_COLORS = (("sent", "green"), ("failed", "red"), ("held", "amber"), ("pending", "gray"), ("sending", "blue"))


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.moment(row.created_iso, format="MMM D, HH:mm", local=True)),
        rx.table.cell(row.organization_name),
        rx.table.cell(rx.match(row.channel, *CHANNEL_LABELS.items(), row.channel)),
        rx.table.cell(row.recipient),
        rx.table.cell(rx.text(row.preview, size="1"), max_width="320px"),
        rx.table.cell(rx.hstack(
                          rx.badge(row.status, color_scheme=rx.match(row.status, *_STATUS_COLORS, "gray"),
                                   high_contrast=True),
                          rx.cond(row.delivery != "", rx.text(row.delivery, size="1", color="var(--gray-11)",
                                                              data_testid="outbound-delivery")),
                          spacing="2", align="center"),
                      title=row.last_error),
        rx.table.cell(row.attempts),
        rx.table.cell(rx.cond((row.status == "held") | (row.status == "failed"),
                              rx.button("Send again", on_click=S.retry(row.outbound_id), size="1",
                                        variant="soft"))),
        data_testid="outbound-message", data_status=row.status, data_delivery=row.delivery,
    )


def outbox_page() -> rx.Component:
    content = rx.vstack(
        rx.text("Replies to customers' email and phones. Held: no provider is configured for the channel. "
                "Failed: the provider refused three times; hover the status for why.", size="2",
                color="var(--gray-11)"),
        error_text(S.error),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Created", "Organization", "Channel", "To", "Message", "Status", "Tries", "")])),
            rx.table.body(rx.foreach(S.outbound, _row)),
            size="1", width="100%",
        ),
        rx.cond(S.outbound.length() == 0, rx.text("Nothing has been sent yet.", size="2", color="var(--gray-11)")),
        spacing="3", width="100%",
    )
    return manager_page("outbox", "Outbox", S.allowed, content, "Only managers see the outbox.")
