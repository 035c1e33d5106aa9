"""The part of a transcript a tab holds, cut so that a new message resends little to the browser.

Reflex resends a changed var whole. A tab holds its transcript in pieces, each its own var:
- `earlier`: what was read when the interaction was opened, and pages loaded by scrolling back; it changes
  only then (and is let go when the oldest pieces leave, below);
- `chunks`: sealed pieces of the live end, CHUNK_SIZE messages each, in up to CHUNKS slots; a piece is sent
  once, when it is sealed, and again only if one of its messages changes (a delivery status);
- `tail`: the live end, TAIL_MIN to TAIL_MIN + CHUNK_SIZE items, resent with every message.

So a message costs the tail (TAIL_MIN and half a chunk on average) plus one item for its share of the sealing,
whatever the conversation's length: about 7 items, 1.5 KB with the rows, where moving the tail into one
`earlier` list every few messages cost ~4.5 KB a message once a conversation was long. When every slot is taken, the oldest piece leaves the tab together with `earlier`
(`trimmed`: "Load earlier messages" brings them back), so a conversation that goes on for hours never grows
the tab's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.conversation import ConversationItem

TAIL_MIN = 3  # the live end always holds at least this many (the Communication Popup shows them)
CHUNK_SIZE = 4
CHUNKS = 16  # with CHUNK_SIZE, the last 64 messages stay in the tab however long the conversation


@dataclass(frozen=True)
class Window:
    earlier: list[ConversationItem]
    tail: list[ConversationItem]
    trimmed: bool = False  # the oldest items were let go to keep the window bounded; they load on demand
    chunks: tuple[tuple[int, list[ConversationItem]], ...] = ()  # (slot, items), oldest first

    def shown(self) -> list[ConversationItem]:
        return [*self.earlier, *(item for _, items in self.chunks for item in items), *self.tail]


def message_id(item: ConversationItem) -> int:
    """A message item's id (its key is `m{id}`); 0 for a divider or a chatbot conversation."""
    return int(item.key[1:]) if item.kind == "message" else 0


def split(items: list[ConversationItem]) -> Window:
    return Window(items[:-TAIL_MIN] if len(items) > TAIL_MIN else [], items[-TAIL_MIN:])


def last_message_id(window: Window) -> int:
    return max((message_id(item) for item in window.shown()), default=0)


# Statuses that may still change, per channel: a chat message is delivered at once; Twilio's callbacks move an
# SMS on from "sent" to delivered, and a WhatsApp message on from delivered to read.
# A customer's SMS or WhatsApp message is "receiving" while its media is fetched.
_MOVING = {"sms": frozenset({"queued", "sent", "receiving"}),
           "whatsapp": frozenset({"queued", "sent", "delivered", "receiving"})}
_MOVING_DEFAULT = frozenset({"queued"})


def still_moving(channel: str) -> frozenset[str]:
    return _MOVING.get(channel, _MOVING_DEFAULT)


def pending_ids(window: Window, moving: frozenset[str] = _MOVING_DEFAULT) -> list[int]:
    """Messages whose delivery status may still change."""
    return [message_id(item) for item in window.shown() if item.delivery_status in moving]


def _replaced(items: list[ConversationItem], changed: dict) -> list[ConversationItem]:
    """The same list when none of its items changed (its var is not resent), else a copy with them replaced;
    each replacement found is taken out of `changed`."""
    if not any(item.key in changed for item in items):
        return items
    return [changed.pop(item.key, item) for item in items]


def merge(window: Window, changes: list[ConversationItem]) -> Window:
    """Changed messages replace themselves where they are; new ones join the tail, which is sealed into a
    chunk when it is full."""
    changed = {item.key: item for item in changes}
    earlier = _replaced(window.earlier, changed)
    chunks = tuple((slot, _replaced(items, changed)) for slot, items in window.chunks)
    tail = [*_replaced(window.tail, changed), *changed.values()]
    trimmed = False
    while len(tail) > TAIL_MIN + CHUNK_SIZE:
        taken = {slot for slot, _ in chunks}
        free = [slot for slot in range(CHUNKS) if slot not in taken]
        if not free:  # the oldest piece leaves, and `earlier` before it: both load again on demand
            free, chunks, earlier, trimmed = [chunks[0][0]], chunks[1:], [], True
        chunks = (*chunks, (free[0], tail[:CHUNK_SIZE]))
        tail = tail[CHUNK_SIZE:]
    return Window(earlier, tail, trimmed, chunks)


def prepend(window: Window, page: list[ConversationItem]) -> Window:
    """An earlier page before what the tab holds; a divider already shown is not repeated."""
    shown = {item.key for item in window.earlier}
    return Window([item for item in page if item.key not in shown] + window.earlier, window.tail, False,
                  window.chunks)
