"""The Interaction Panel: Active / Done tabs and one row per interaction."""

from __future__ import annotations

import reflex as rx
from reflex.vars.function import FunctionStringVar

from inbox_app.components.common import BORDER, channel_icon, local_time
from inbox_app.state.bounce_timer import BounceTimerState
from inbox_app.state.inbox import InboxState
from inbox_app.components.template_dialog import templates_gear
from inbox_app.screens.popup import communication_popup


class KeyedNav(rx.el.elements.Nav):
    """A <nav> that hears key presses: the arrow keys move between the rows inside it."""

    on_key_down: rx.EventHandler[rx.event.key_event]

# ↑/↓ (or k/j) in the panel: focus the neighbouring row and open it, as a click would. Done in the browser, so
# focus moves at once and no JavaScript has to come from the server (the CSP allows no eval).
# Reflex calls it as a key_event handler: (key, modifiers, the browser's event).
_MOVE_BETWEEN_ROWS = FunctionStringVar.create("""((key, modifiers, event) => {
    const step = {ArrowDown: 1, j: 1, ArrowUp: -1, k: -1}[key];
    if (!step || modifiers.alt_key || modifiers.ctrl_key || modifiers.meta_key) return;
    const rows = [...event.currentTarget.querySelectorAll('[data-testid="interaction-row"]')];
    if (!rows.length) return;
    event.preventDefault();
    let from = rows.indexOf(document.activeElement);
    if (from < 0) from = rows.findIndex((row) => row.getAttribute("aria-current") === "true");
    const next = rows[from < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, from + step))];
    if (next !== rows[from]) { next.focus(); next.click(); }
})""")


def verified_mark(verified) -> rx.Component:
    return rx.cond(
        verified,
        rx.icon("badge-check", size=15, color="var(--blue-9)", data_testid="verified-badge", aria_label="Verified",
                role="img"),
        rx.text("(Unverified)", size="1", color="var(--gray-11)"),
    )


def bounce_timer(interaction_id) -> rx.Component:
    """The seconds left before the interaction bounces (15, 10, 5), from the bounce timer's own small state."""
    key = interaction_id.to_string()
    return rx.cond(
        BounceTimerState.seconds.contains(key),
        rx.hstack(
            rx.icon("arrow-left-right", size=12, aria_hidden="true"),
            rx.text(BounceTimerState.seconds[key].to_string(), data_testid="bounce-timer", size="1", weight="bold"),
            rx.text("s", size="1"),
            spacing="1", align="center", color="var(--red-11)", role="timer",
            aria_label="Bounces to another agent in " + BounceTimerState.seconds[key].to_string() + " seconds",
            title="Pick it up before the timer runs out, or it moves to another agent",
        ),
    )


def _marks(row) -> rx.Component:
    """The transfer icon, awaiting transfer, the inactive word and an unverified email sender's warning, beside the
    organization name."""
    return rx.hstack(
        rx.cond(row.transferred, rx.icon("arrow-left-right", size=13, color="var(--accent-11)", role="img",
                                         aria_label="Transferred to you", data_testid="transfer-icon")),
        rx.cond(row.pending_transfer, rx.text("Awaiting transfer", size="1", color="var(--amber-11)")),
        rx.cond(row.inactive, rx.text(rx.cond(row.customer_left, "Inactive", "Transferred"), size="1",
                                      color="var(--gray-11)", font_style="italic")),
        rx.cond(row.sender_unverified,
                rx.hstack(rx.icon("triangle-alert", size=12, aria_hidden="true"), rx.text("Sender not verified", size="1"),
                          spacing="1", align="center", color="var(--amber-11)", data_testid="unverified-sender",
                          title="This email could not be verified as coming from the customer")),
        bounce_timer(row.interaction_id),
        spacing="2", align="center",
    )


def _row(row) -> rx.Component:
    selected = InboxState.selected_id == row.interaction_id
    return rx.el.button(
        rx.hstack(
            rx.box(channel_icon(row.channel), color="var(--gray-11)", padding_top="2px"),
            rx.vstack(
                rx.hstack(
                    rx.text(row.customer_name, weight="medium", size="2", data_testid="customer-name", trim="both",
                            overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
                    verified_mark(row.verified),
                    rx.spacer(),
                    # An email shows its date, never its time (the seed's rule).
                    rx.text(rx.cond(row.channel != "email", local_time(row.last_activity_iso, row.recent),
                                    rx.moment(row.last_activity_iso, format="MMM D", local=True)),
                            size="1", color="var(--gray-11)", data_testid="last-activity"),
                    width="100%", align="center", spacing="1",
                ),
                rx.hstack(rx.text(row.organization_name, size="1", color="var(--gray-11)", data_testid="org-name"),
                          _marks(row), spacing="2", align="center"),
                rx.cond(row.channel != "email",
                        rx.text(row.last_sentence, size="1", color="var(--gray-11)", data_testid="last-sentence",
                                overflow="hidden", text_overflow="ellipsis", white_space="nowrap", width="100%")),
                spacing="0", width="100%", align="start", min_width="0",
            ),
            rx.box(
                rx.cond(row.unread, rx.box(width="8px", height="8px", border_radius="50%", background="var(--red-9)",
                                           role="img", aria_label="Needs attention")),
                width="8px", padding_top="6px", flex_shrink="0",
            ),
            spacing="2", width="100%", align="start",
        ),
        id=f"row-{row.interaction_id}",
        on_click=InboxState.select(row.interaction_id),
        data_testid="interaction-row",
        data_interaction_id=row.interaction_id.to_string(),
        data_channel=row.channel,
        data_unread=rx.cond(row.unread, "true", "false"),
        data_transferred=rx.cond(row.transferred, "true", "false"),
        data_pending_transfer=rx.cond(row.pending_transfer, "true", "false"),
        data_inactive=rx.cond(row.inactive, "true", "false"),
        aria_current=rx.cond(selected, "true", "false"),
        style={
            "width": "100%", "textAlign": "left", "padding": "10px 12px", "borderBottom": BORDER,
            "background": rx.cond(selected, "var(--accent-3)", "transparent"),
            "borderLeft": rx.cond(selected, "3px solid var(--accent-9)", "3px solid transparent"),
            "cursor": "pointer", "outlineOffset": "-2px", "opacity": rx.cond(row.inactive, "0.6", "1"),
        },
    )


def _empty() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("inbox", size=28, color="var(--gray-8)"),
            rx.cond(InboxState.tab == "done", rx.text("No closed interactions yet.", size="2", color="var(--gray-11)"),
                    rx.cond(InboxState.available,
                            rx.text("You're Available. New interactions appear here.", size="2",
                                    color="var(--gray-11)"),
                            rx.text("Set yourself Available to receive interactions.", size="2",
                                    color="var(--gray-11)"))),
            align="center", spacing="2",
        ),
        padding="32px 16px",
    )


def _rows(value: str) -> rx.Component:
    """The rows inside the tab panel each tab trigger names (aria-controls): Radix renders only the shown one."""
    return rx.tabs.content(
        KeyedNav.create(
            rx.cond(InboxState.rows.length() > 0, rx.foreach(InboxState.rows, _row), _empty()),
            on_key_down=_MOVE_BETWEEN_ROWS,
            aria_label="Interactions (arrow keys or j/k to move)",
            style={"width": "100%"},
        ),
        value=value,
        # Focus goes straight from the tabs to the first row: the panel itself needs no tab stop.
        tab_index=-1,
        style={"overflowY": "auto", "flex": "1", "width": "100%", "minHeight": "0"},
    )


def interaction_panel() -> rx.Component:
    return rx.vstack(
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Active", value="active"),
                rx.tabs.trigger("Done", value="done"),
                size="2", width="100%",
            ),
            _rows("active"),
            _rows("done"),
            value=InboxState.tab,
            on_change=InboxState.set_tab,
            width="100%", flex="1", min_height="0", display="flex", flex_direction="column",
        ),
        communication_popup(),
        rx.text("↑/↓ or j/k: move · Ctrl+Enter: send", size="1", color="var(--gray-11)", padding="6px 12px",
                border_top=BORDER, width="100%"),
        templates_gear(),
        width="320px", min_width="320px", height="100%", spacing="0", border_right=BORDER,
        background="var(--color-panel-solid)", position="relative",
    )
