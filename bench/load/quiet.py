"""Pushes that change nothing (issue 15, P6: 0 bytes and at most 1 SQL statement each), provoked from outside.

- Replayed notices: every notice of the chat phase is published again, as a retried publish would be. Each
  tab has read past it already.
- A bus reconnect: the workers' notice listeners lose their Redis connection, as in a Redis failover, and
  every connected tab checks whether anything moved while notices were not arriving. Nothing had.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import redis.asyncio as aioredis

from services import events


@dataclass
class Recorder:
    """The notices the app publishes while it runs (a subscriber beside the workers')."""

    redis_url: str
    notices: list[str] = field(default_factory=list)
    _task: asyncio.Task | None = None

    async def start(self) -> None:
        ready = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._listen(ready))
        await asyncio.wait_for(ready.wait(), 10)

    async def _listen(self, ready: asyncio.Event) -> None:
        client = aioredis.from_url(self.redis_url)
        async with client.pubsub() as pubsub:
            await pubsub.subscribe(events.channel_for(self.redis_url))
            await pubsub.get_message(timeout=5)
            ready.set()
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    self.notices.append(message["data"].decode())

    async def stop(self) -> list[str]:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        return self.notices


async def replay(redis_url: str, notices: list[str]) -> None:
    client = aioredis.from_url(redis_url)
    try:
        for notice in notices:
            await client.publish(events.channel_for(redis_url), notice)
    finally:
        await client.aclose()


async def drop_listeners(redis_url: str) -> int:
    """Closes the workers' notice subscriptions on the app's Redis database (and nothing else of theirs); they
    reconnect on their own."""
    client = aioredis.from_url(redis_url)
    database = str(events.redis_database(redis_url))
    try:
        listeners = [c for c in await client.client_list()
                     if c.get("name") == events.LISTENER_NAME and c.get("db") == database]
        for listener in listeners:
            await client.client_kill_filter(_id=listener["id"])
        return len(listeners)
    finally:
        await client.aclose()
