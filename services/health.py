"""Are the parts this worker needs answering? For `/healthz` and load balancers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import text

_log = logging.getLogger(__name__)
_TIMEOUT = 2.0  # a balancer's probe must get an answer, not hang on a dead part


@dataclass(frozen=True)
class Health:
    parts: dict[str, str]  # {"database": "ok" | "down", "redis": "ok" | "down" | "off"}

    @property
    def ok(self) -> bool:
        return "down" not in self.parts.values()


async def _database(db) -> str:
    async with db.read() as session:
        await session.execute(text("SELECT 1"))
    return "ok"


async def _redis(redis_url: str | None) -> str:
    if not redis_url:
        return "off"
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url, socket_connect_timeout=_TIMEOUT, socket_timeout=_TIMEOUT)
    try:
        await client.ping()
    finally:
        await client.aclose()
    return "ok"


async def _probe(name: str, check) -> str:
    try:
        return await asyncio.wait_for(check, _TIMEOUT)
    except Exception as exc:
        _log.warning("health: %s is down (%s)", name, exc)
        return "down"


async def check(db, redis_url: str | None) -> Health:
    database, redis = await asyncio.gather(_probe("database", _database(db)), _probe("redis", _redis(redis_url)))
    return Health({"database": database, "redis": redis})
