"""What a screen reader is told when something arrives by push: new interactions and new messages.

Pure functions of what the tab showed before and after a push, so the states stay thin and this is tested fast.
The text goes into a polite live region (components/common.py live_region): read out when the reader is idle,
without moving focus away from what the agent or customer is typing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from services.conversation import ConversationItem
from services.interactions import PanelRow

CHANNEL_LABELS = {"chat": "Chat", "sms": "SMS", "whatsapp": "WhatsApp", "email": "Email"}
_LONGEST = 240  # a long email is summarised; the agent reads the rest in the conversation


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _LONGEST else text[:_LONGEST - 1].rstrip() + "…"


def _joined(parts: Iterable[str]) -> str:
    return " ".join(part if part.endswith((".", "?", "!", "…")) else part + "." for part in parts)


def _new_messages(before: Iterable[ConversationItem], after: Sequence[ConversationItem],
                  authors: set[str]) -> list[ConversationItem]:
    seen = {item.key for item in before}
    return [item for item in after if item.kind == "message" and item.author in authors and item.key not in seen]


def for_inbox(*, rows_before: Sequence[PanelRow], rows_after: Sequence[PanelRow], selected_id: int,
              items_before: Iterable[ConversationItem], items_after: Sequence[ConversationItem]) -> str:
    """New interactions in the panel; customer messages in other interactions and in the one that is open."""
    old = {row.interaction_id: row for row in rows_before}
    parts = []
    for row in rows_after:
        was = old.get(row.interaction_id)
        if was is None:
            channel = CHANNEL_LABELS.get(row.channel, row.channel)
            said = f": {_short(row.last_sentence)}" if row.last_sentence else ""
            parts.append(f"New {channel} interaction from {row.customer_name}, {row.organization_name}{said}")
        elif (row.interaction_id != selected_id and row.unread and row.last_sentence
              and row.last_activity_iso != was.last_activity_iso):
            parts.append(f"{row.customer_name}: {_short(row.last_sentence)}")
    name = next((row.customer_name for row in rows_after if row.interaction_id == selected_id), "Customer")
    parts += [f"{name}: {_short(item.body)}" for item in _new_messages(items_before, items_after, {"customer"})]
    return _joined(parts)


def for_live_chat(*, items_before: Iterable[ConversationItem], items_after: Sequence[ConversationItem]) -> str:
    """The agent's replies and the notes the customer sees (an order cancelled, the chat ended)."""
    fresh = _new_messages(items_before, items_after, {"agent", "system"})
    return _joined(f"Agent: {_short(item.body)}" if item.author == "agent" else _short(item.body) for item in fresh)
