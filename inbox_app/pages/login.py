"""/login: sign in with a User ID and a password."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.forms import native_form
from inbox_app.state.session import SessionState


def _field(label: str, name: str, kind: str = "text", autocomplete: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontSize": "13px", "fontWeight": "500"}),
        rx.input(id=name, name=name, type=kind, required=True, auto_complete=autocomplete, size="3", width="100%"),
        spacing="1", width="100%",
    )


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            native_form(
                rx.vstack(
                    rx.hstack(rx.icon("inbox", size=26, color="var(--accent-9)"),
                              rx.heading("Agent Inbox", size="6"), align="center", spacing="2"),
                    rx.text("Sign in to answer your customers.", size="2", color="var(--gray-11)"),
                    _field("User ID", "user_id", autocomplete="username"),
                    _field("Password", "password", kind="password", autocomplete="current-password"),
                    rx.cond(SessionState.sign_in_error != "",
                            rx.callout(SessionState.sign_in_error, icon="circle-alert", color_scheme="red", size="1",
                                       width="100%", role="alert")),
                    rx.button("Sign in", type="submit", size="3", width="100%"),
                    spacing="4", width="100%",
                ),
                # A native form post: the sign-in route sets the HttpOnly session cookie.
                action="/auth/sign-in", method="post",
            ),
            width="360px", padding="28px",
        ),
        height="100vh", background="var(--gray-2)",
    )
