"""Where a secondary screen is shown: in place of the conversation section, the Interaction Panel beside it."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import BORDER
from inbox_app.screens.navigation import ScreenState
from inbox_app.screens.registry import Screen, registered
from inbox_app.state.inbox import InboxState, mount_key


def _frame(screen: Screen) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.button(rx.icon("arrow-left", size=14), "Back to Inbox",
                      on_click=screen.leave or ScreenState.back_to_inbox, size="1", variant="soft"),
            rx.heading(screen.title, size="3", as_="h2"),
            align="center", spacing="3", padding="8px 24px", width="100%", border_bottom=BORDER,
            background="var(--color-panel-solid)",
        ),
        rx.box(screen.component(), flex="1", overflow_y="auto", width="100%", padding="12px 24px"),
        # A new key per interaction, and per rebuild of the tab's state: each one's screen mounts (and reads its
        # own data) when it is selected, and again after Redis lost it (InboxState.rebuilds).
        key=mount_key(screen.name),
        data_testid="secondary-screen", data_screen=screen.name, spacing="0", flex="1", width="100%",
        min_height="0", role="region", aria_label=screen.title,
    )


def conversation_or_screen(*conversation: rx.Component) -> rx.Component:
    """The selected interaction's open screen, or its conversation when it has none."""
    return rx.match(
        ScreenState.open_screens[InboxState.selected_id.to_string()],
        *[(screen.name, _frame(screen)) for screen in registered()],
        rx.fragment(*conversation),
    )


def screens_menu() -> rx.Component:
    """Screens registered with in_menu=True, one click away in the customer header (none: no menu)."""
    listed = [screen for screen in registered() if screen.in_menu]
    if not listed:
        return rx.fragment()
    return rx.menu.root(
        rx.menu.trigger(rx.button(rx.icon("layout-grid", size=14), "Screens", size="1", variant="ghost",
                                  color_scheme="gray")),
        rx.menu.content(*[rx.menu.item(screen.title, on_click=ScreenState.open_screen(screen.name))
                          for screen in listed]),
    )
