"""Time is injected everywhere so rules about expiry and waiting are testable without sleeping."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Aware UTC; SQLModel stores it as UTC on every database."""
    return datetime.now(timezone.utc)


class FrozenClock:
    """A clock for tests: call it for the time, advance it explicitly."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)
