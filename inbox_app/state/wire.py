"""How a transcript item and a panel row travel to the browser: only the fields that differ from their defaults.

Reflex resends a changed var whole, and a new message resends the live end of the transcript and the agent's
rows, so their size is most of what a message costs on the wire. A chat message uses 6 of an item's 19 fields;
the rest (a chatbot's turns and sentiment, a failure reason, an email's original…) would cost ~170 bytes of
empty values each, and a row's transfer and warning flags are nearly always false.

Components read an absent field as `undefined`, so they test such fields by truthiness (`rx.cond(item.html,
…)`), never by comparing with "" (`undefined != ""` is true). Fields without a default, and lists
(`rx.foreach` needs an array), are always sent.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from services.conversation import ConversationItem
from services.interactions import PanelRow


def _defaults(cls, always: frozenset[str] = frozenset()) -> dict[str, object]:
    return {field.name: field.default for field in dataclasses.fields(cls)
            if field.default is not dataclasses.MISSING and field.name not in always}


def _compact(value, names: tuple[str, ...], defaults: dict[str, object]) -> dict:
    sent = {}
    for name in names:
        data = getattr(value, name)
        if name not in defaults or data != defaults[name]:
            sent[name] = data
    return sent


_ITEM_NAMES = tuple(field.name for field in dataclasses.fields(ConversationItem))
_ITEM_DEFAULTS = _defaults(ConversationItem, always=frozenset({"key", "kind", "author", "body", "at_iso",
                                                               "attachments", "turns"}))
_ROW_NAMES = tuple(field.name for field in dataclasses.fields(PanelRow))
_ROW_DEFAULTS = _defaults(PanelRow)


@rx.serializer
def compact_item(item: ConversationItem) -> dict:
    return _compact(item, _ITEM_NAMES, _ITEM_DEFAULTS)


@rx.serializer
def compact_row(row: PanelRow) -> dict:
    return _compact(row, _ROW_NAMES, _ROW_DEFAULTS)
