"""Under the message box: Search templates and the quick-response chips (chat, SMS and WhatsApp only).

Mounted afresh for each interaction and Reply via choice (its key), which loads that interaction's chips.
"""

from __future__ import annotations

import reflex as rx

from inbox_app.components.template_search import CURSOR, template_search
from inbox_app.state.inbox import InboxState, mount_key
from inbox_app.state.quick_responses import QuickResponsesState as Q


def _chip(chip) -> rx.Component:
    return rx.button(chip.name, on_click=Q.use(chip.template_id, CURSOR), size="1", variant="surface",
                     radius="full", color_scheme="gray", high_contrast=True, data_testid="quick-response",
                     title="Put this response in the message box", style={"flexShrink": "0"})


def template_tools() -> rx.Component:
    return rx.vstack(
        rx.cond(Q.flag != "", rx.text(Q.flag, size="1", color="var(--amber-11)", role="status",
                                      data_testid="template-flag")),
        rx.hstack(
            template_search(),
            rx.hstack(rx.foreach(Q.chips, _chip), spacing="1", align="center", overflow_x="auto",
                      min_width="0", flex="1", padding_y="2px", aria_label="Quick responses", role="group"),
            spacing="2", align="center", width="100%",
        ),
        key=mount_key(InboxState.reply_via),
        on_mount=Q.load,
        spacing="1", width="100%",
    )
