"""Shared visual pieces: the app header, channel icons, the bell and local times."""

from __future__ import annotations

import reflex as rx

from inbox_app.announcements import CHANNEL_LABELS
from inbox_app.components.forms import native_form
from inbox_app.components.live_region import live_region
from inbox_app.state.bell import BellState
from inbox_app.state.session import SessionState

CHANNEL_ICONS = {"chat": "message-circle", "sms": "smartphone", "whatsapp": "message-square-text", "email": "mail"}
BORDER = "1px solid var(--gray-a5)"


def channel_icon(channel, size: int = 16) -> rx.Component:
    # role="img": an <svg> with only aria-label is skipped by some screen readers; the channel is never colour-only.
    return rx.match(
        channel,
        *[(name, rx.icon(icon, size=size, aria_label=CHANNEL_LABELS[name], role="img"))
          for name, icon in CHANNEL_ICONS.items()],
        rx.icon("circle-help", size=size, aria_label="Unknown channel", role="img"),
    )


def local_time(iso, recent) -> rx.Component:
    """Within 24 hours the time only; older, date and time. Shown in the agent's own time zone."""
    return rx.cond(
        recent,
        rx.moment(iso, format="HH:mm", local=True),
        rx.moment(iso, format="MMM D, HH:mm", local=True),
    )


def availability_toggle() -> rx.Component:
    # Not colour alone: the word and the icon's shape (a tick, a bar) both say the state. high_contrast: Radix's
    # step-12 text, because green-11 on green-3 falls short of 4.5:1.
    return rx.button(
        rx.cond(SessionState.available, rx.icon("circle-check", size=14, aria_hidden="true"),
                rx.icon("circle-minus", size=14, aria_hidden="true")),
        rx.cond(SessionState.available, "Available", "Unavailable"),
        on_click=SessionState.toggle_availability,
        # Until the page is live (hydrated over its websocket) a click would be lost, and the agent would
        # believe they were Available; a disabled button is waited for (by people and by Playwright alike).
        disabled=~rx.State.is_hydrated,
        variant="soft",
        color_scheme=rx.cond(SessionState.available, "green", "gray"),
        high_contrast=True,
        size="2",
        data_testid="availability",
        aria_pressed=rx.cond(SessionState.available, "true", "false"),
        title="Toggle availability (routing sends interactions only while Available)",
    )


def bell() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("bell", size=18, aria_hidden="true"),
            rx.cond(BellState.count > 0, rx.badge(BellState.count, color_scheme="red", variant="solid", radius="full",
                                                  high_contrast=True)),
            spacing="1", align="center",
        ),
        href="/inbox",
        data_testid="bell",
        data_count=BellState.count.to_string(),
        aria_label=rx.cond(BellState.count > 0, "New interactions waiting in the inbox", "No new interactions"),
        color="var(--gray-12)",
    )


def bell_announcer() -> rx.Component:
    """Says politely that interactions arrived while the agent is on another page (the bell's label is silent)."""
    waiting = rx.cond(BellState.count == 1, "1 new interaction waiting in the inbox",
                      BellState.count.to_string() + " new interactions waiting in the inbox")
    # No role: the manager pages' own status ("Saved Sophia's.") stays the one role=status on the page.
    return live_region(rx.cond(BellState.count > 0, waiting, ""), test_id="bell-announcer", role=None)


def app_header(current: str, *, with_bell: bool = False) -> rx.Component:
    def nav(label: str, href: str, key: str) -> rx.Component:
        return rx.link(label, href=href, weight=rx.cond(current == key, "bold", "regular"),
                       color=rx.cond(current == key, "var(--accent-11)", "var(--gray-11)"), size="2")

    return rx.hstack(
        rx.hstack(
            rx.icon("inbox", size=20, color="var(--accent-9)", aria_hidden="true"),
            rx.text("Agent Inbox", weight="bold", size="3"),
            rx.separator(orientation="vertical", size="1"),
            nav("Inbox", "/inbox", "inbox"),
            nav("Routing log", "/routing", "routing"),
            rx.cond(SessionState.role == "manager",
                    rx.hstack(nav("Wrap-up categories", "/settings/wrap-up", "wrap-up"),
                              nav("Organizations", "/settings/organizations", "organizations"),
                              nav("Teams", "/settings/teams", "teams"),
                              nav("Templates", "/settings/templates", "templates"),
                              nav("Outbox", "/outbox", "outbox"), spacing="3")),
            spacing="3", align="center",
        ),
        rx.spacer(),
        rx.hstack(
            rx.fragment(bell(), bell_announcer()) if with_bell else rx.fragment(),
            availability_toggle(),
            rx.text(SessionState.display_name, size="2", color="var(--gray-11)"),
            # A form post: only the sign-out route can clear the HttpOnly session cookie.
            native_form(rx.button("Sign out", type="submit", variant="ghost", size="2"),
                        action="/auth/sign-out", method="post"),
            spacing="4", align="center",
        ),
        padding_x="16px", height="48px", align="center", border_bottom=BORDER, background="var(--color-panel-solid)",
        width="100%", flex_shrink="0",
    )


def manager_page(key: str, title: str, allowed, content: rx.Component, refusal: str) -> rx.Component:
    """The frame of a manager's page: header with the bell, a title, and the content or the refusal."""
    return rx.vstack(
        app_header(key, with_bell=True),
        rx.vstack(
            rx.heading(title, size="5"),
            rx.cond(allowed, content, rx.text(refusal, size="2", color="var(--gray-11)")),
            padding="20px 24px", width="100%", spacing="3", overflow_y="auto",
        ),
        spacing="0", height="100vh", width="100%",
    )
