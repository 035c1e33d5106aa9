"""The extension point for secondary screens: a screen shown inside the inbox in place of the conversation.

A screen is one module holding its state and its component; one call to `register` makes the inbox show it:

    register("customer-dashboard", title="Customer Dashboard", opens_from="the customer's name",
             component=dashboard_screen)

`component` renders the screen's body (give it `on_mount=YourState.load` to read its data for the selected
interaction); open it with `ScreenState.open_screen("your-name")` or, for a screen about one thing (an order),
from your own handler with `await (await self.get_state(ScreenState))._open("your-name", subject_id)`.
Pass `leave` (an event handler) when leaving needs asking first, as Order Edit does with unsaved changes, and
`in_menu=True` to be listed in the customer header's Screens menu. A module of your own is loaded by naming it
in INBOX_SCREENS (comma-separated module paths); inbox_app/screens/example_notes.py is a worked example.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import reflex as rx


@dataclass(frozen=True)
class Screen:
    name: str  # the `data-screen` attribute, and the name the screen is opened by
    title: str  # shown over the screen, beside Back to Inbox
    opens_from: str  # where the agent opens it from, for the README and for readers of this list
    component: Callable[[], rx.Component]
    leave: Any = None  # the event Back to Inbox runs; None: straight back to the conversation
    in_menu: bool = False  # listed in the customer header's Screens menu (a screen about the interaction itself)


_SCREENS: dict[str, Screen] = {}


def register(name: str, *, title: str, opens_from: str, component: Callable[[], rx.Component],
             leave: Any = None, in_menu: bool = False) -> Screen:
    if not name or name in _SCREENS:
        raise ValueError(f"A secondary screen needs a unique name; {name!r} is taken or empty.")
    _SCREENS[name] = Screen(name=name, title=title, opens_from=opens_from, component=component, leave=leave,
                            in_menu=in_menu)
    return _SCREENS[name]


def registered() -> list[Screen]:
    return list(_SCREENS.values())


def is_registered(name: str) -> bool:
    return isinstance(name, str) and name in _SCREENS
