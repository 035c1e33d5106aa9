"""Attempt limits per key in fixed one-minute windows, counted in the database so every worker shares them.

A key names who and what, e.g. "sign-in:203.0.113.9" or "chat-start:org:3". The count is bumped with
one atomic upsert, so parallel attempts are never lost; a refused attempt is counted too, so hammering
does not reopen the window early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clock import Clock
from services.models import RateLimitWindow

WINDOW = timedelta(minutes=1)
_KEEP = timedelta(minutes=10)  # older windows are pruned when a key opens a new one


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int  # 0 when allowed


def window_start(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


async def hit(session: AsyncSession, *, key: str, limit: int, clock: Clock) -> Verdict:
    """Count one attempt for `key`; allowed while the window holds at most `limit` of them."""
    now = clock()
    start = window_start(now)
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(RateLimitWindow).values(key=key[:200], window_start=start, count=1)
    upsert = upsert.on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"count": RateLimitWindow.count + 1},
    ).returning(RateLimitWindow.count)
    count = (await session.exec(upsert)).scalar_one()
    if count == 1:
        await session.exec(delete(RateLimitWindow).where(RateLimitWindow.window_start < start - _KEEP))
    if count <= limit:
        return Verdict(True, 0)
    return Verdict(False, max(1, int((start + WINDOW - now).total_seconds() + 0.999)))
