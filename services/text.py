"""Small text rules shared by the panel and the conversation."""

from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 5000
PANEL_SENTENCE_CHARS = 60
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def clean_body(body: str | None) -> str:
    """Trim and normalise line endings; customer text stays text (rendered inert, never HTML)."""
    return (body or "").replace("\r\n", "\n").strip()


def full_name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


def last_sentence(text: str, limit: int = PANEL_SENTENCE_CHARS) -> str:
    flat = " ".join(text.split())
    if not flat:
        return ""
    parts = [p for p in _SENTENCE_END.split(flat) if p]
    sentence = parts[-1] if parts else flat
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"
