"""The extension point for secondary screens: a screen shown inside the inbox in place of the conversation.

A screen is one module holding its state and its component; one call to `register` makes the inbox show it:

    register("customer-dashboard", title="Customer Dashboard", opens_from="the customer's name",
             component=dashboard_screen)

`component` renders the screen's body (give it `on_mount=YourState.load` to read its data for the selected
interaction); open it with `ScreenState.open_screen("your-name")` or, for a screen about one thing (an order),
from your own handler with `await (await self.get_state(ScreenState))._open("your-name", subject_id)`.
Pass `guard` when leaving the screen may need asking first, as Order Edit does with unsaved changes: an async
function `(screen_state, interaction_id, to) -> bool` that returns True when it asked the agent (the navigation
then waits; `to` is (screen name, subject), or ("", 0) for Back to Inbox, to resume with
`ScreenState._go(to)` once the agent agrees). `leave` (an event handler) replaces what Back to Inbox runs, and
`in_menu=True` lists the screen in the customer header's Screens menu. A screen that shows what other agents
change re-reads it live: call `navigation.listen(self, topics)` when it loads and give its state an
`async _on_change(self, topics)` (see order_status.py). A module of your own is loaded by naming it
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
    leave: Any = None  # the event Back to Inbox runs; None: ScreenState.back_to_inbox (which asks `guard`)
    guard: Any = None  # async (screen_state, interaction_id, to) -> True when it asked the agent before leaving
    in_menu: bool = False  # listed in the customer header's Screens menu (a screen about the interaction itself)


_SCREENS: dict[str, Screen] = {}


def register(name: str, *, title: str, opens_from: str, component: Callable[[], rx.Component],
             leave: Any = None, guard: Any = None, in_menu: bool = False) -> Screen:
    if not name or name in _SCREENS:
        raise ValueError(f"A secondary screen needs a unique name; {name!r} is taken or empty.")
    _SCREENS[name] = Screen(name=name, title=title, opens_from=opens_from, component=component, leave=leave,
                            guard=guard, in_menu=in_menu)
    return _SCREENS[name]


def registered() -> list[Screen]:
    return list(_SCREENS.values())


def is_registered(name: str) -> bool:
    return isinstance(name, str) and name in _SCREENS


def screen_named(name: str) -> Screen | None:
    return _SCREENS.get(name) if isinstance(name, str) else None
