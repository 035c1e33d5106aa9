"""One turn of a bot conversation, as the analysis reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

AUTHORS = ("customer", "bot")


@dataclass(frozen=True)
class Turn:
    author: str  # customer | bot
    text: str
    at: datetime | None = None


def customer_texts(turns: list[Turn]) -> list[str]:
    return [turn.text for turn in turns if turn.author == "customer"]
