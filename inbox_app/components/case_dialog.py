"""The Case Details popup, with the case notes that Wrap Up shows too."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.attachments import file_link
from inbox_app.components.common import CHANNEL_LABELS
from inbox_app.components.dialog import dialog_content
from inbox_app.components.forms import error_text, fact, field, info_text
from inbox_app.state.case_details import CaseDetailsState as C


def case_dialog() -> rx.Component:
    return rx.dialog.root(
        dialog_content(
            rx.dialog.title("Case Details"),
            rx.vstack(
                fact("Case", "#" + C.case_number.to_string()),
                fact("Status", C.case_status),
                fact("Origin", rx.match(C.case_origin, *CHANNEL_LABELS.items(), C.case_origin)),
                fact("Opened", rx.moment(C.case_created_iso, format="MMM D, YYYY HH:mm", local=True)),
                fact("Interactions", C.case_interactions.to_string()),
                rx.cond(C.case_category != "", fact("Category", C.case_category)),
                rx.cond(C.case_chatbot.length() > 0, rx.vstack(
                    rx.text("Chatbot conversations", size="2", weight="medium"),
                    rx.foreach(C.case_chatbot, lambda bot: rx.box(
                        rx.hstack(rx.moment(bot.at_iso, format="MMM D, YYYY HH:mm", local=True, size="1",
                                            color="var(--gray-11)"),
                                  rx.badge(bot.sentiment.capitalize(), size="1", variant="soft",
                                           color_scheme=rx.match(bot.sentiment, ("positive", "green"),
                                                                 ("negative", "red"), "gray")),
                                  rx.text("auto-generated", size="1", color="var(--gray-11)"),
                                  spacing="2", align="center"),
                        rx.text(bot.summary, size="1"),
                        data_testid="case-chatbot-summary", data_sentiment=bot.sentiment, width="100%",
                    )),
                    spacing="1", width="100%",
                )),
                rx.cond(C.case_attachments.length() > 0, rx.vstack(
                    rx.text("Attachments", size="2", weight="medium"),
                    rx.flex(rx.foreach(C.case_attachments, file_link), wrap="wrap", gap="6px"),
                    spacing="1", width="100%", data_testid="case-attachments",
                )),
                field("Case notes", "case-notes",
                      rx.text_area(id="case-notes", value=C.case_notes, on_change=C.set_case_notes, rows="6",
                                   width="100%", read_only=~C.case_editable)),
                error_text(C.case_error),
                rx.cond(C.case_saved, info_text("Case notes saved. Wrap Up shows them.")),
                rx.hstack(
                    rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                    rx.cond(C.case_editable, rx.button("Save", on_click=C.save_case_notes)),
                    justify="end", width="100%", spacing="2",
                ),
                spacing="2", width="100%", margin_top="8px",
            ),
            max_width="480px",
        ),
        open=C.case_open,
        on_open_change=C.set_case_open,
    )
