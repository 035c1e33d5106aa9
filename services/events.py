"""Change notices: "something changed for agent X / interaction Y".

Services mark topics on the session (`notify`); `Database.transaction` publishes them after the
commit. The bus is in-process by default; with Redis, notices fan out to every worker, and each
worker pushes to the browsers whose sockets it holds. Notices carry no data: receivers re-read
the database, which stays the only source of truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator, Awaitable, Callable

_log = logging.getLogger(__name__)
_CHANNEL = "agent-inbox:changes"
Handler = Callable[[str], Awaitable[None]]


def agent_topic(user_id: int) -> str:
    return f"agent:{user_id}"


def interaction_topic(interaction_id: int) -> str:
    return f"interaction:{interaction_id}"


def customer_topic(customer_id: int) -> str:
    """What the verified customer header shows changed: an order, a rating, a note."""
    return f"customer:{customer_id}"


def outbox_topic(organization_id: int) -> str:
    """An outbound message of this organization changed status."""
    return f"outbox:{organization_id}"


def notify(session, *topics: str) -> None:
    session.info.setdefault("topics", set()).update(topics)


def pending_topics(session) -> set[str]:
    return set(session.info.pop("topics", set()))


class LocalBus:
    """One process: publishing calls the subscribers directly."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def publish(self, topic: str) -> None:
        await self._deliver(topic)

    async def _deliver(self, topic: str) -> None:
        for handler in list(self._handlers):
            try:
                await handler(topic)
            except Exception:  # one broken receiver must not stop the others
                _log.exception("change handler failed for %s", topic)

    async def run(self) -> None:
        """Nothing to listen to in one process; kept so callers treat both buses alike."""
        await asyncio.Event().wait()


class RedisBus(LocalBus):
    """Several workers: publish through Redis; every worker's listener delivers locally."""

    def __init__(self, redis_url: str) -> None:
        super().__init__()
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(redis_url)

    async def publish(self, topic: str) -> None:
        await self._redis.publish(_CHANNEL, topic)

    async def run(self) -> None:
        async with self._redis.pubsub() as pubsub:
            await pubsub.subscribe(_CHANNEL)
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    await self._deliver(message["data"].decode())


_bus: LocalBus = LocalBus()


def configure(redis_url: str | None) -> LocalBus:
    global _bus
    _bus = RedisBus(redis_url) if redis_url else LocalBus()
    return _bus


def bus() -> LocalBus:
    return _bus


async def publish_all(topics: set[str]) -> None:
    for topic in sorted(topics):
        await _bus.publish(topic)


@contextlib.asynccontextmanager
async def collecting() -> AsyncIterator[list[str]]:
    """For tests: collect every topic published while the block runs."""
    seen: list[str] = []

    async def _record(topic: str) -> None:
        seen.append(topic)

    _bus.subscribe(_record)
    try:
        yield seen
    finally:
        _bus._handlers.remove(_record)
