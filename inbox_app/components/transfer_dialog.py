"""The Transfer popup (search, one radio per team with its green or red dot) and the result popup."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.dialog import dialog_content
from inbox_app.components.forms import error_text
from inbox_app.state.transfer import TransferState as T


def _option(option) -> rx.Component:
    radio_id = "team-option-" + option.team_id.to_string()
    return rx.hstack(
        # Left to the browser (not `checked` from the state): a controlled radio would flip back until the server
        # answers. The popup's content is rebuilt each time it opens, so no choice outlives it.
        rx.el.input(type="radio", id=radio_id, name="team", value=option.team_id.to_string(),
                    on_change=T.set_team_id),
        rx.el.label(option.name, html_for=radio_id, style={"fontSize": "14px", "flex": "1", "cursor": "pointer"}),
        rx.box(width="10px", height="10px", border_radius="50%",
               background=rx.cond(option.available, "var(--green-9)", "var(--red-9)")),
        rx.text(rx.cond(option.available, "Available", "No one available"), size="1", color="var(--gray-11)"),
        data_testid="team-option", data_available=rx.cond(option.available, "true", "false"),
        align="center", spacing="2", width="100%", padding="6px 4px",
    )


def transfer_dialog() -> rx.Component:
    return rx.dialog.root(
        dialog_content(
            rx.dialog.title("Transfer Interaction"),
            rx.dialog.description("Move this interaction and its case to a team of its organization.", size="2",
                                  color="var(--gray-11)"),
            rx.vstack(
                rx.input(value=T.search, on_change=T.set_search.debounce(300), placeholder="Type a team name",
                         aria_label="Search teams", id="transfer-search", width="100%"),
                rx.el.fieldset(
                    rx.el.legend("Teams", style={"fontSize": "13px", "fontWeight": "500"}),
                    rx.cond(T.options.length() > 0, rx.foreach(T.options, _option),
                            rx.text("No team matches.", size="2", color="var(--gray-11)")),
                    style={"border": "none", "padding": "0", "margin": "0", "width": "100%", "maxHeight": "300px",
                           "overflowY": "auto"},
                ),
                error_text(T.error),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Transfer", on_click=T.submit),
                    justify="end", width="100%", spacing="2",
                ),
                spacing="3", width="100%", margin_top="12px",
            ),
            max_width="440px",
        ),
        open=T.open,
        on_open_change=T.set_open,
    )


def transfer_result_dialog() -> rx.Component:
    return rx.dialog.root(
        dialog_content(
            rx.dialog.title(rx.cond(T.result_agent != "", "Transferred to " + T.result_team, "Awaiting transfer")),
            rx.dialog.description(
                rx.cond(T.result_agent != "", T.result_agent + " has the interaction now.",
                        "No one in " + T.result_team + " can take it yet. It moves as soon as a member is Available; "
                        "meanwhile you can keep conversing or wrap it up."),
                size="2"),
            rx.hstack(rx.dialog.close(rx.button("OK")), justify="end", width="100%", margin_top="12px"),
            max_width="420px",
        ),
        open=T.result_open,
        on_open_change=T.set_result_open,
    )
