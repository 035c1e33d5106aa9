"""What the inbox's popups share. A popup is its own small state beside the inbox, not a subclass of it:
typing in a popup loads only the popup, and the inbox (its selected interaction, its panel) is read only
when the popup acts (DESIGN.md: every Redis round trip in an event costs)."""

from __future__ import annotations

from inbox_app.state.inbox import InboxState
from inbox_app.state.session import SessionState
from services.auth import Identity


class InboxDialog(SessionState):
    async def _acting(self) -> tuple[Identity | None, InboxState]:
        """The signed-in agent and the inbox whose selected interaction this popup acts on."""
        inbox = await self.get_state(InboxState)
        return await inbox._signed_in(), inbox
