"""The transcript vars a tab holds (services/transcript_window.py cuts them): `earlier`, the sealed chunks in
their slots with `chunk_order` saying which slot comes when, and `items`, the live end. Shared by the inbox and
the Live Chat as a state mixin; a var whose piece did not change is not assigned, so it is not resent."""

from __future__ import annotations

import reflex as rx

from inbox_app.push import assign_if_changed
from services.conversation import ConversationItem
from services.transcript_window import CHUNKS, Window


class TranscriptWindowState(rx.State, mixin=True):
    # One var per slot, CHUNKS of them (tests/state/test_incremental_push.py checks they match).
    earlier: list[ConversationItem] = []
    chunk_0: list[ConversationItem] = []
    chunk_1: list[ConversationItem] = []
    chunk_2: list[ConversationItem] = []
    chunk_3: list[ConversationItem] = []
    chunk_4: list[ConversationItem] = []
    chunk_5: list[ConversationItem] = []
    chunk_6: list[ConversationItem] = []
    chunk_7: list[ConversationItem] = []
    chunk_8: list[ConversationItem] = []
    chunk_9: list[ConversationItem] = []
    chunk_10: list[ConversationItem] = []
    chunk_11: list[ConversationItem] = []
    chunk_12: list[ConversationItem] = []
    chunk_13: list[ConversationItem] = []
    chunk_14: list[ConversationItem] = []
    chunk_15: list[ConversationItem] = []
    chunk_order: list[int] = []  # the slots in use, oldest piece first
    items: list[ConversationItem] = []

    def _held(self) -> Window:
        return Window(self.earlier, self.items,
                      chunks=tuple((slot, getattr(self, f"chunk_{slot}")) for slot in self.chunk_order))

    def _shown_items(self) -> list[ConversationItem]:
        return self._held().shown()

    def _set_window(self, window: Window) -> None:
        assign_if_changed(self, "earlier", window.earlier)
        in_use = dict(window.chunks)
        for slot in range(CHUNKS):
            assign_if_changed(self, f"chunk_{slot}", in_use.get(slot, []))
        assign_if_changed(self, "chunk_order", [slot for slot, _ in window.chunks])
        assign_if_changed(self, "items", window.tail)

    def _clear_window(self) -> None:
        self._set_window(Window([], []))

