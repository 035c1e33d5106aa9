"""Start-up configuration, and change notices published only after a commit (in-process and through Redis)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from services import events
from services.config import ConfigError, load_settings


@pytest.mark.parametrize("env, variable", [
    ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
    ({"DATABASE_URL": "mysql://x@localhost/db"}, "DATABASE_URL"),
    ({"SMTP_PORT": "twenty-five"}, "SMTP_PORT"),
    ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
    ({"INBOX_DEMO": "maybe"}, "INBOX_DEMO"),
])
def test_a_malformed_setting_names_its_variable(env, variable):
    with pytest.raises(ConfigError, match=f"^{variable}:"):
        load_settings({"INBOX_SECRET_KEY": "k", **env})


def test_start_up_stops_with_one_line_naming_the_variable():
    env = {**os.environ, "SMTP_PORT": "abc", "INBOX_SECRET_KEY": "k"}
    done = subprocess.run([sys.executable, "-m", "services.bootstrap"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["configuration error: SMTP_PORT: expected a port number 1-65535, got 'abc'"]


async def test_notices_are_published_after_commit_and_never_after_rollback(db):
    async with events.collecting() as seen:
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                events.notify(session, "agent:1")
                raise RuntimeError("boom")
        assert seen == []
        async with db.transaction() as session:
            events.notify(session, "agent:2")
            assert seen == []  # not before the commit
        assert seen == ["agent:2"]


async def test_the_redis_bus_reaches_another_process_listener():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    publisher, listener = events.RedisBus(url), events.RedisBus(url)
    received: asyncio.Queue[str] = asyncio.Queue()

    async def _on(topic: str) -> None:
        await received.put(topic)

    listener.subscribe(_on)
    task = asyncio.create_task(listener.run())
    try:
        await asyncio.sleep(0.2)  # the subscription is live
        await publisher.publish("interaction:42")
        assert await asyncio.wait_for(received.get(), timeout=5) == "interaction:42"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await publisher.close()
        await listener.close()


async def _drop_listeners(admin, url: str) -> None:
    """Closes the notice listeners on this test's Redis database only (not a benchmark's, nor another suite's)."""
    database = str(events.redis_database(url))
    for client in await admin.client_list():
        if client.get("name") == events.LISTENER_NAME and client.get("db") == database:
            await admin.client_kill_filter(_id=client["id"])


async def test_the_redis_bus_reconnects_after_its_connection_is_killed_and_says_what_may_have_been_missed():
    """RESUMED when Redis kept the notice numbers (each tab then checks its own), EVERYTHING when Redis lost them
    (a flush, a restart without persistence): only a full reload is safe then."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    import redis.asyncio as aioredis

    publisher, listener = events.RedisBus(url), events.RedisBus(url, backoff=(0.05,))
    received: asyncio.Queue[str] = asyncio.Queue()

    async def _on(topic: str) -> None:
        await received.put(topic)

    listener.subscribe(_on)
    admin = aioredis.from_url(url)
    task = asyncio.create_task(listener.run())
    try:
        await asyncio.wait_for(listener.connected.wait(), timeout=5)
        await _drop_listeners(admin, url)  # the connection drops
        assert await asyncio.wait_for(received.get(), timeout=10) == events.RESUMED
        await asyncio.wait_for(listener.connected.wait(), timeout=5)
        await publisher.publish_topics({"interaction:43"})
        assert events.topics_of(await asyncio.wait_for(received.get(), timeout=5)) == {"interaction:43"}
        await admin.delete(f"{events.channel_for(url)}:epoch")  # as a flush or a restart loses it
        await _drop_listeners(admin, url)
        assert await asyncio.wait_for(received.get(), timeout=10) == events.EVERYTHING
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await admin.aclose()
        await publisher.close()
        await listener.close()


async def test_a_notice_number_redis_lost_starts_again_above_every_number_handed_out_before():
    """Otherwise a tab holding number 40 would skip the new 1, 2, 3… as notices it had read."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    import redis.asyncio as aioredis

    bus, admin = events.RedisBus(url), aioredis.from_url(url)
    topic = "interaction:44"
    try:
        for _ in range(3):
            await bus.publish_topics({topic})
        before = (await bus.sequences({topic}))[topic]
        await admin.delete(bus._sequence_key(topic))  # a flush, or the counter's week without notices
        assert (await bus.sequences({topic}))[topic] is None
        await bus.publish_topics({topic})
        after = (await bus.sequences({topic}))[topic]
    finally:
        await admin.aclose()
        await bus.close()
    assert after > before


class _FlakyBus(events.LocalBus):
    """Refuses the first `failures` publishes, as Redis does while it restarts."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def publish(self, topic: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Redis is restarting")
        await super().publish(topic)


async def test_a_failed_publish_never_reaches_the_caller_and_is_retried(db, monkeypatch):
    flaky = _FlakyBus(failures=2)
    monkeypatch.setattr(events, "_bus", flaky)
    monkeypatch.setattr(events, "_RETRY_DELAYS", (0.01, 0.01, 0.01))
    delivered: asyncio.Queue[str] = asyncio.Queue()

    async def _on(topic: str) -> None:
        await delivered.put(topic)

    flaky.subscribe(_on)
    async with db.transaction() as session:  # committed: the caller must not see the bus failing
        events.notify(session, "interaction:9")
    assert events.topics_of(await asyncio.wait_for(delivered.get(), timeout=5)) == {"interaction:9"}
    assert flaky.failures == 0


async def test_becoming_available_wakes_the_routing_loop_after_the_commit_and_going_away_does_not(db, clock):
    from services import presence
    from tests.services.factories import make_agent, make_org

    agent = await make_agent(db, "alice", [await make_org(db)], available=False)
    await events.queue_moved(timeout=0)  # start from a quiet worker
    for available, wakes in ((True, True), (False, False)):
        waiting = asyncio.create_task(events.queue_moved(timeout=0.5))
        await asyncio.sleep(0)
        async with db.transaction() as session:
            await presence.set_available(session, identity=agent, available=available, clock=clock)
        assert await waiting is wakes


async def test_a_redis_that_accepts_but_never_answers_fails_the_publish_instead_of_hanging():
    """A black-holed Redis: the listening socket takes connections and says nothing."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        bus = events.RedisBus(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        publishing = asyncio.create_task(bus.publish("agent:1"))
        done, _ = await asyncio.wait({publishing}, timeout=30)  # a hang guard, far above the bus's own bound
        assert publishing in done, "the publish hung on a silent Redis"
        assert isinstance(publishing.exception(), (TimeoutError, ConnectionError))
    finally:
        silent.close()


def test_apps_on_different_redis_databases_never_hear_each_other():
    """Redis shares pub/sub channels across databases: the channel is named after the database."""
    assert events.channel_for("redis://127.0.0.1:6379/1") != events.channel_for("redis://127.0.0.1:6379/2")
    assert events.channel_for("redis://127.0.0.1:6379") == events.channel_for("redis://127.0.0.1:6379/0")
