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
