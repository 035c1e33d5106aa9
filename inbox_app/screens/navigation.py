"""Which secondary screen each interaction has open: its own small state, so opening one resends one dict.

Where it is kept if Redis loses the tab's state (FLUSHDB, failover): in tab_memory, beside the selected
interaction it belongs to, and restored from there like InboxState restores the selection. A screen means
nothing without its interaction, so both live and die together. Browser storage (rx.SessionStorage) would not
do: Reflex sends it to the server only when a page hydrates, so a state rebuilt under a live socket starts
empty and would overwrite it. A database row per agent and interaction would cost a write on every click
for what is view state, not domain data (DESIGN.md: the database holds the product's facts).
"""

from __future__ import annotations

import reflex as rx

from inbox_app import push, tab_memory
from inbox_app.screens.registry import is_registered, screen_named
from inbox_app.state.inbox import InboxState
from inbox_app.state.inbox_dialog import InboxDialog
from services.auth import Identity

MAX_REMEMBERED = 50  # an agent works a few interactions at once; older entries are forgotten first
BACK = ("", 0)  # where Back to Inbox goes: the conversation


class ScreenState(InboxDialog):
    # interaction id (as text) → the name of its open screen; an interaction missing here shows its conversation
    open_screens: dict[str, str] = {}
    _subjects: dict[int, int] = {}  # interaction id → what its screen is about (an order id), 0 for nothing
    _restored: bool = False  # False in a state Redis has lost: the open screens come back from tab_memory

    async def _acting(self) -> tuple[Identity | None, InboxState]:
        self._restore()
        return await super()._acting()

    def _restore(self) -> None:
        if not self._restored:
            seen = tab_memory.recall(self.router.session.client_token, "screens")
            push.assign_if_changed(self, "open_screens", seen.get("open", self.open_screens))
            self._subjects = seen.get("subjects", self._subjects)
            self._restored = True

    def _remember(self) -> None:
        tab_memory.remember(self.router.session.client_token, "screens", open=dict(self.open_screens),
                            subjects=dict(self._subjects))

    async def _held_back(self, interaction_id: int, to: tuple[str, int]) -> bool:
        """True when the screen being left asked the agent first (Order Edit with unsaved changes)."""
        current = self.open_screens.get(str(interaction_id), "")
        screen = screen_named(current)
        if screen is None or screen.guard is None or (current, self._subjects.get(interaction_id, 0)) == to:
            return False
        return await screen.guard(self, interaction_id, to)

    async def _open(self, name: str, subject: int = 0, *, asked: bool = False) -> bool:
        """Opens a registered screen on the selected interaction; the caller has checked the subject.
        `asked`: the agent already agreed to leave the current screen."""
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id or not is_registered(name):
            return False
        if not asked and await self._held_back(inbox.selected_id, (name, subject)):
            return False
        key = str(inbox.selected_id)
        kept = {k: v for k, v in self.open_screens.items() if k != key}
        self.open_screens = dict(list(kept.items())[-(MAX_REMEMBERED - 1):] + [(key, name)])
        self._subjects = {**{int(k): self._subjects.get(int(k), 0) for k in kept}, inbox.selected_id: subject}
        self._remember()
        return True

    async def _close(self, interaction_id: int) -> None:
        key = str(interaction_id)
        if key in self.open_screens:
            self.open_screens = {k: v for k, v in self.open_screens.items() if k != key}
            self._subjects.pop(interaction_id, None)
            self._remember()

    async def _go(self, to: tuple[str, int]) -> None:
        """Where the agent was going when asked, once they agreed."""
        if to == BACK:
            _, inbox = await self._acting()
            await self._close(inbox.selected_id)
        elif to:
            await self._open(*to, asked=True)

    async def _subject(self) -> tuple[int, int]:
        """(selected interaction, the subject of its open screen)."""
        _, inbox = await self._acting()
        return inbox.selected_id, self._subjects.get(inbox.selected_id, 0)

    async def _shown(self, name: str) -> tuple[Identity | None, InboxState, int]:
        """For a push: (agent, inbox, subject) when the selected interaction shows screen `name`, else no agent."""
        identity, inbox = await self._acting()
        if self.open_screens.get(str(inbox.selected_id)) != name:
            return None, inbox, 0
        return identity, inbox, self._subjects.get(inbox.selected_id, 0)

    @rx.event
    async def restore(self):
        """On loading the inbox page: after Redis lost this tab's state, its open screens come back."""
        await self._acting()

    @rx.event
    async def open_screen(self, name: str):
        """For a screen about the interaction itself (no subject to check)."""
        await self._open(name)

    @rx.event
    async def back_to_inbox(self):
        identity, inbox = await self._acting()
        if identity is not None and not await self._held_back(inbox.selected_id, BACK):
            await self._close(inbox.selected_id)


def listen(state: rx.State, topics: set[str]) -> None:
    """A screen's state hears these topics (its `_on_change` runs when another agent changes them), beside
    the inbox's own on the same page. A screen that is no longer shown stops listening on its next push."""
    push.watch(state.router.session.client_token, type(state), {t for t in topics if t},
               page=state.router.route_id)


async def still_shown(state: rx.State, name: str) -> tuple[Identity, InboxState, int] | None:
    """For a screen's `_on_change`: (agent, inbox, subject) while the selected interaction still shows screen
    `name`; otherwise the screen stops listening (it hears nothing until it is shown again) and None."""
    identity, inbox, subject = await (await state.get_state(ScreenState))._shown(name)
    if identity is None:
        stop_listening(state)
        return None
    return identity, inbox, subject


def stop_listening(state: rx.State) -> None:
    push.forget(state.router.session.client_token, type(state))
