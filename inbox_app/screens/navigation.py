"""Which secondary screen each interaction has open: its own small state, so opening one resends one dict."""

from __future__ import annotations

import reflex as rx

from inbox_app.screens.registry import is_registered
from inbox_app.state.inbox_dialog import InboxDialog

MAX_REMEMBERED = 50  # an agent works a few interactions at once; older entries are forgotten first


class ScreenState(InboxDialog):
    # interaction id (as text) → the name of its open screen; an interaction missing here shows its conversation
    open_screens: dict[str, str] = {}
    _subjects: dict[int, int] = {}  # interaction id → what its screen is about (an order id), 0 for nothing

    async def _open(self, name: str, subject: int = 0) -> bool:
        """Opens a registered screen on the selected interaction; the caller has checked the subject."""
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id or not is_registered(name):
            return False
        key = str(inbox.selected_id)
        kept = {k: v for k, v in self.open_screens.items() if k != key}
        self.open_screens = dict(list(kept.items())[-(MAX_REMEMBERED - 1):] + [(key, name)])
        self._subjects = {**{int(k): self._subjects.get(int(k), 0) for k in kept}, inbox.selected_id: subject}
        return True

    async def _subject(self) -> tuple[int, int]:
        """(selected interaction, the subject of its open screen)."""
        _, inbox = await self._acting()
        return inbox.selected_id, self._subjects.get(inbox.selected_id, 0)

    @rx.event
    async def open_screen(self, name: str):
        """For a screen about the interaction itself (no subject to check)."""
        await self._open(name)

    @rx.event
    async def back_to_inbox(self):
        _, inbox = await self._acting()
        key = str(inbox.selected_id)
        if key in self.open_screens:
            self.open_screens = {k: v for k, v in self.open_screens.items() if k != key}
            self._subjects.pop(inbox.selected_id, None)
