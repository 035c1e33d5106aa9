"""Change notices: "something changed for agent X / interaction Y".

Services mark topics on the session (`notify`); `Database.transaction` publishes them after the
commit. The bus is in-process by default; with Redis, notices fan out to every worker, and each
worker pushes to the browsers whose sockets it holds. Notices carry no data: receivers re-read
the database, which stays the only source of truth.

Each topic of a notice carries its sequence number (`interaction:7#1732600000123457`): a receiver that has
read past it skips the notice, one that sees a number jump knows it missed a notice, and after the bus
reconnects a receiver compares the numbers it holds with the current ones instead of reloading blind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import weakref
from typing import AsyncIterator, Awaitable, Callable

_log = logging.getLogger(__name__)
_CHANNEL = "agent-inbox:changes"
Handler = Callable[[str], Awaitable[None]]  # receives one notice: a commit's topics, space-separated


def agent_topic(user_id: int) -> str:
    return f"agent:{user_id}"


def interaction_topic(interaction_id: int) -> str:
    return f"interaction:{interaction_id}"


def presence_topic(user_id: int) -> str:
    """The agent went Available or Unavailable: their other tabs' toggles follow. Not the agent topic, whose
    listeners (the panel, the bell) it would make read what it never changes."""
    return f"presence:{user_id}"


def customer_topic(customer_id: int) -> str:
    """What the verified customer header shows changed: an order, a rating, a note."""
    return f"customer:{customer_id}"


def case_topic(case_id: int) -> str:
    """What the Case screen shows changed: its notes or category, an interaction joined, a message arrived."""
    return f"case:{case_id}"


def outbox_topic(organization_id: int) -> str:
    """An outbound message of this organization changed status."""
    return f"outbox:{organization_id}"


def notify(session, *topics: str) -> None:
    session.info.setdefault("topics", set()).update(topics)


def notify_interaction(session, interaction, *also: str) -> None:
    """An interaction changed: the tabs showing it, its agent's panel and its case's open Case screens are
    told, with any `also` topics."""
    topics = [interaction_topic(interaction.id), *also]
    if interaction.case_id:
        topics.append(case_topic(interaction.case_id))
    if interaction.assignee_id:
        topics.append(agent_topic(interaction.assignee_id))
    notify(session, *topics)


def pending_topics(session) -> set[str]:
    return set(session.info.pop("topics", set()))


# "The queue may move": an agent became Available or capacity was freed. It wakes this worker's routing
# loop at once instead of at its next pass. Local on purpose: the worker that committed the change drains,
# rather than every worker racing for the same rows.
QUEUE_MOVED = "routing:queue-moved"
# Delivered to this worker's receivers after the bus reconnects: notices may have been missed meanwhile,
# so every connected tab refreshes once from the database.
EVERYTHING = "*"
_LOCAL_TOPICS = frozenset({QUEUE_MOVED})
_PUBLISH_TIMEOUT = 1.0  # seconds
_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)  # a publish that fails is retried this often, then dropped
# Per event loop, one asyncio.Event per waiter (the routing loop, the bounce loop): each clears only its own,
# so a wake-up one of them consumed is not lost to the other.
_queue_moved: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Event]]" = (
    weakref.WeakKeyDictionary())


def _queue_moved_event(waiter: str = "routing") -> asyncio.Event:
    """An asyncio.Event binds to the loop that first waits on it: one set per loop."""
    waiters = _queue_moved.setdefault(asyncio.get_running_loop(), {})
    if waiter not in waiters:
        waiters[waiter] = asyncio.Event()
    return waiters[waiter]


def bounce_timer_topic(user_id: int) -> str:
    """An agent's bounce timer moved a step (15, 10, 5): only their timer is read again, not the panel."""
    return f"bounce-timer:{user_id}"


async def deliver_locally(topics: set[str]) -> None:
    """To this worker's receivers only. Every worker's bounce loop ticks the timers of the tabs it holds, so a
    tick never crosses Redis."""
    await _bus._deliver(notice(topics))


# Delivered instead of EVERYTHING after the bus reconnects when Redis kept its sequence numbers: each receiver
# reloads only what moved while it was away.
RESUMED = "~"


class LocalBus:
    """One process: publishing calls the subscribers directly."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._sequences: dict[str, int] = {}

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def publish_topics(self, topics: set[str], origin: str = "") -> None:
        """One commit's notice, each topic numbered one past its last notice."""
        for topic in topics:
            self._sequences[topic] = self._sequences.get(topic, 0) + 1
        await self.publish(notice(topics, origin, self._sequences))

    async def sequences(self, topics: set[str]) -> dict[str, int | None]:
        """The number of each topic's latest notice; None for a topic never published."""
        return {topic: self._sequences.get(topic) for topic in topics}

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


def redis_database(redis_url: str) -> int:
    import redis

    return redis.from_url(redis_url).connection_pool.connection_kwargs.get("db", 0)


def channel_for(redis_url: str) -> str:
    """The notice channel of the app whose state lives in this Redis database. Pub/sub channels are shared by
    every database of a Redis server, so two apps on one server (staging and production on /1 and /2) would
    otherwise push each other's changes."""
    return f"{_CHANNEL}:{redis_database(redis_url)}"


# Numbers a topic's counter in Redis and publishes the notice, in one round trip and atomically, so notices
# leave in the order of their numbers. A counter Redis lost (FLUSHDB, a restart) starts again from the clock in
# microseconds, above any number handed out before: a receiver never mistakes a new notice for one it has read.
# KEYS: the epoch, then one counter per topic; ARGV: channel, origin word, counter lifetime (s), the topics.
_PUBLISH_SCRIPT = """
local now = redis.call('TIME')
local stamp = now[1] .. string.sub('000000' .. now[2], -6)
redis.call('SET', KEYS[1], stamp, 'NX')
local words = {}
if ARGV[2] ~= '' then words[1] = ARGV[2] end
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then redis.call('SET', KEYS[i], stamp) end
  local n = redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[3])
  words[#words + 1] = ARGV[i + 2] .. '#' .. string.format('%d', n)
end
local message = table.concat(words, ' ')
redis.call('PUBLISH', ARGV[1], message)
return message
"""
LISTENER_NAME = "agent-inbox-bus"
_SEQUENCE_LIFETIME = 7 * 24 * 3600  # seconds a quiet topic's counter is kept; an expired one restarts higher


class RedisBus(LocalBus):
    """Several workers: publish through Redis; every worker's listener delivers locally.

    The listener reconnects with backoff when Redis restarts or drops the subscription. Notices published
    while it was away are gone: it tells its receivers RESUMED, so each checks its topics' numbers, or
    EVERYTHING when Redis itself lost its numbers (its epoch changed) and only a full reload is safe.
    """

    def __init__(self, redis_url: str, *, backoff: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 5.0)) -> None:
        super().__init__()
        import redis.asyncio as aioredis

        # Named, so an operator (or the benchmark) can tell the listeners apart in CLIENT LIST.
        self._redis = aioredis.from_url(redis_url, client_name=LISTENER_NAME)
        # Publishing runs right after a handler's commit: a Redis that stopped answering must cost it about a
        # second, not redis-py's default retries. A publish that times out is retried in the background.
        self._publisher = aioredis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
        self._backoff = backoff
        self._channel = channel_for(redis_url)
        self._epoch_key = f"{self._channel}:epoch"
        self._publish_script = self._publisher.register_script(_PUBLISH_SCRIPT)
        self._epoch: bytes | None = None  # the epoch when this listener last subscribed
        self.connected = asyncio.Event()  # set while subscribed with its epoch known; tests wait on it

    async def publish(self, topic: str) -> None:
        await asyncio.wait_for(self._publisher.publish(self._channel, topic), _PUBLISH_TIMEOUT)

    async def close(self) -> None:
        await self._redis.aclose()
        await self._publisher.aclose()

    def _sequence_key(self, topic: str) -> str:
        return f"{self._channel}:seq:{topic}"

    async def publish_topics(self, topics: set[str], origin: str = "") -> None:
        ordered = sorted(topics)
        keys = [self._epoch_key, *map(self._sequence_key, ordered)]
        origin = safe_origin(origin)
        args = [self._channel, f"{_ORIGIN}{origin}" if origin else "", _SEQUENCE_LIFETIME, *ordered]
        await asyncio.wait_for(self._publish_script(keys=keys, args=args), _PUBLISH_TIMEOUT)

    async def sequences(self, topics: set[str]) -> dict[str, int | None]:
        ordered = sorted(topics)
        if not ordered:
            return {}
        values = await asyncio.wait_for(self._publisher.mget(list(map(self._sequence_key, ordered))),
                                        _PUBLISH_TIMEOUT)
        return {topic: int(value) if value is not None else None for topic, value in zip(ordered, values)}

    async def _listen_once(self, *, resumed: bool = False) -> None:
        async with self._redis.pubsub() as pubsub:
            await pubsub.subscribe(self._channel)
            await pubsub.get_message(timeout=5)  # Redis confirmed the subscription: nothing is missed from here
            # Redis's epoch names the life of its notice numbers: made here when none exists yet, so a listener
            # that started on an empty Redis can tell a dropped connection from a Redis that lost its numbers.
            await self._redis.set(self._epoch_key, secrets.token_hex(8), nx=True)
            epoch = await self._redis.get(self._epoch_key)
            if resumed:  # notices published while we were away are gone
                kept = self._epoch is not None and epoch == self._epoch
                await self._deliver(RESUMED if kept else EVERYTHING)
            self._epoch = epoch
            self.connected.set()  # only now: a connection dropped before the epoch was read would resume blind
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    await self._deliver(message["data"].decode())

    async def run(self) -> None:
        failures, resumed = 0, False
        while True:
            try:
                await self._listen_once(resumed=resumed)
                raise ConnectionError("the subscription ended")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.connected.clear()
                delay = self._backoff[min(failures, len(self._backoff) - 1)]
                failures += 1
                _log.warning("change bus lost its Redis subscription (%s); reconnecting in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                resumed = True
                if await self._reconnected():
                    failures = 0

    async def _reconnected(self) -> bool:
        try:
            await self._redis.ping()
            return True
        except Exception:
            return False


_bus: LocalBus = LocalBus()


def configure(redis_url: str | None) -> LocalBus:
    global _bus
    _bus = RedisBus(redis_url) if redis_url else LocalBus()
    return _bus


def bus() -> LocalBus:
    return _bus


async def queue_moved(timeout: float, *, waiter: str = "routing") -> bool:
    """Wait up to `timeout` seconds for QUEUE_MOVED in this worker; True when it came."""
    return await woken(_queue_moved_event(waiter), timeout)


async def woken(event: asyncio.Event, timeout: float) -> bool:
    """Wait up to `timeout` seconds for a loop's wake-up `event`, and clear it for the next wait; True when it
    came."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
        return True
    except asyncio.TimeoutError:
        return False
    finally:
        event.clear()


_ORIGIN = "@"  # marks the tab that made the change, among a notice's words
_NUMBER = "#"  # between a topic and its sequence number


# A tab's client token, as browsers make them (a UUID). The token comes from the client's socket, so anything
# else is dropped: a token holding a space or a "#" would otherwise add forged topics or numbers to the notice.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def safe_origin(origin: str) -> str:
    return origin if _TOKEN.fullmatch(origin or "") else ""


def notice(topics: set[str], origin: str = "", sequences: dict[str, int] | None = None) -> str:
    """One commit's topics as one bus message, so a tab that hears several of them refreshes once."""
    numbers = sequences or {}
    words = [f"{topic}{_NUMBER}{numbers[topic]}" if topic in numbers else topic for topic in sorted(topics)]
    origin = safe_origin(origin)
    return " ".join([f"{_ORIGIN}{origin}", *words] if origin else words)


def _topic_words(message: str) -> list[str]:
    words = message.split()
    return words[1:] if words and words[0].startswith(_ORIGIN) else words


def topics_of(message: str) -> set[str]:
    return {word.split(_NUMBER, 1)[0] for word in _topic_words(message)}


def sequences_of(message: str) -> dict[str, int]:
    """Each numbered topic of a notice with its number (local notices, like the bounce timer's, have none)."""
    numbered = (word.split(_NUMBER, 1) for word in _topic_words(message) if _NUMBER in word)
    return {topic: int(number) for topic, number in numbered if number.isascii() and number.isdigit()}


def origin_of(message: str) -> str:
    """The tab that made this change and has already refreshed itself, or ""."""
    first = message.split(maxsplit=1)[0] if message.strip() else ""
    return first[1:] if first.startswith(_ORIGIN) else ""


async def publish_all(topics: set[str], *, origin: str = "") -> None:
    """Called after a commit: never raises, since the change is committed whatever the bus does."""
    if topics & _LOCAL_TOPICS:
        _queue_moved_event("routing").set()
        _queue_moved_event("handoffs").set()
    shared = topics - _LOCAL_TOPICS
    if not shared:
        return
    try:
        await _bus.publish_topics(shared, origin)
    except Exception as exc:
        _log.warning("publishing %s failed (%s); retrying in the background", notice(shared, origin), exc)
        _retry_later(shared, origin)


_retrying: set[asyncio.Task] = set()


def _retry_later(topics: set[str], origin: str) -> None:
    task = asyncio.get_running_loop().create_task(_retry(topics, origin))
    _retrying.add(task)
    task.add_done_callback(_retrying.discard)


async def _retry(topics: set[str], origin: str) -> None:
    """Numbered afresh: a try that timed out may have gone out after all, and a receiver that read it skips
    nothing but a duplicate."""
    for delay in _RETRY_DELAYS:
        await asyncio.sleep(delay)
        try:
            await _bus.publish_topics(topics, origin)
            return
        except Exception:
            continue
    # The receivers recover on their own: a reconnect refreshes every tab, and so does the next notice.
    _log.error("gave up publishing %s after %d tries", notice(topics, origin), len(_RETRY_DELAYS) + 1)


@contextlib.asynccontextmanager
async def collecting() -> AsyncIterator[list[str]]:
    """For tests: collect every topic published while the block runs."""
    seen: list[str] = []

    async def _record(message: str) -> None:
        seen.extend(sorted(topics_of(message)))

    _bus.subscribe(_record)
    try:
        yield seen
    finally:
        _bus._handlers.remove(_record)
