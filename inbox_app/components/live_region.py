"""The polite live region that tells screen readers what a push brought, without moving focus."""

from __future__ import annotations

import reflex as rx

# Off screen but read aloud: the usual visually-hidden pattern (display:none would silence it).
VISUALLY_HIDDEN = {"position": "absolute", "width": "1px", "height": "1px", "padding": "0", "margin": "-1px",
                   "overflow": "hidden", "clipPath": "inset(50%)", "whiteSpace": "nowrap", "border": "0"}


def live_region(text, test_id: str = "announcer", role: str | None = "status") -> rx.Component:
    """A polite live region: screen readers read its new text when they are idle, and focus never moves.

    It is always rendered, so assistive technology is watching it before the first announcement arrives.
    """
    return rx.el.div(text, aria_live="polite", aria_atomic="true", data_testid=test_id, style=VISUALLY_HIDDEN,
                     **({"role": role} if role else {}))
