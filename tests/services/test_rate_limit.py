"""The shared rate limiter: fixed one-minute windows per key, counted with one atomic upsert."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from services import rate_limit
from services.models import RateLimitWindow
from services.rate_limit import Verdict

KEY = "sign-in:203.0.113.9"


async def _hit(db, clock, key: str = KEY, limit: int = 3) -> Verdict:
    async with db.transaction() as session:
        return await rate_limit.hit(session, key=key, limit=limit, clock=clock)


async def _windows(db) -> set[tuple[str, str]]:
    async with db.read() as session:
        rows = (await session.exec(select(RateLimitWindow))).all()
    return {(row.key, row.window_start.strftime("%H:%M")) for row in rows}


async def test_the_attempt_past_the_limit_waits_for_the_next_minute(db, clock):
    clock.advance(seconds=15)  # 09:00:15, a quarter into the window
    assert [await _hit(db, clock) for _ in range(3)] == [Verdict(True, 0)] * 3
    assert await _hit(db, clock) == Verdict(False, 45)
    clock.advance(seconds=29, milliseconds=500)
    assert await _hit(db, clock) == Verdict(False, 16)  # 15.5 s left: rounded up, so a retry is never early
    clock.advance(seconds=15)
    assert await _hit(db, clock) == Verdict(False, 1)  # half a second left still says wait, never 0
    clock.advance(milliseconds=500)  # 09:01:00, a new window
    assert await _hit(db, clock) == Verdict(True, 0)


async def test_refused_attempts_are_counted_so_hammering_gains_nothing(db, clock):
    for _ in range(10):
        await _hit(db, clock, limit=3)
    async with db.read() as session:
        window = (await session.exec(select(RateLimitWindow))).one()
    assert window.count == 10


async def test_keys_are_counted_apart(db, clock):
    assert await _hit(db, clock, key="sign-in:203.0.113.9", limit=1) == Verdict(True, 0)
    assert (await _hit(db, clock, key="sign-in:203.0.113.9", limit=1)).allowed is False
    assert await _hit(db, clock, key="sign-in:198.51.100.7", limit=1) == Verdict(True, 0)
    assert await _hit(db, clock, key="chat-start:org:3", limit=1) == Verdict(True, 0)
    assert (await _hit(db, clock, key="sign-in:203.0.113.9", limit=1)).allowed is False


async def test_windows_older_than_ten_minutes_are_pruned_when_a_key_opens_a_new_one(db, clock):
    await _hit(db, clock, key="a")  # 09:00
    clock.advance(minutes=5)
    await _hit(db, clock, key="b")  # 09:05
    clock.advance(minutes=5)
    await _hit(db, clock, key="c")  # 09:10: the 09:00 window is exactly ten minutes old and stays
    assert await _windows(db) == {("a", "09:00"), ("b", "09:05"), ("c", "09:10")}
    clock.advance(minutes=1)
    await _hit(db, clock, key="c")  # 09:11: any key's window from before 09:01 goes
    assert await _windows(db) == {("b", "09:05"), ("c", "09:10"), ("c", "09:11")}


async def test_fifty_parallel_hits_allow_exactly_the_limit(db, clock):
    if db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers; lost updates are proven on PostgreSQL")
    verdicts = await asyncio.gather(*[_hit(db, clock, limit=10) for _ in range(50)])
    assert sum(verdict.allowed for verdict in verdicts) == 10
    assert sorted(verdict.retry_after_seconds for verdict in verdicts) == [0] * 10 + [60] * 40
