"""GET /healthz: 200 when the database and Redis (if configured) answer, 503 otherwise."""

from __future__ import annotations

import os

import httpx
import pytest

from inbox_app import runtime
from tests.http.support import served
from services.config import load_settings
from tests.state.support import SECRET


async def _health(db, monkeypatch, redis_url: str | None):
    env = {"INBOX_SECRET_KEY": SECRET, "DATABASE_URL": db.url, **({"REDIS_URL": redis_url} if redis_url else {})}
    settings = load_settings(env)
    monkeypatch.setattr(runtime, "settings", lambda: settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served()), base_url="http://inbox.test") as http:
        return await http.get("/healthz")


async def test_healthy_without_redis(wired, monkeypatch):
    response = await _health(wired, monkeypatch, None)
    assert response.status_code == 200 and response.json() == {"database": "ok", "redis": "off"}
    assert response.headers["cache-control"] == "no-store"


async def test_healthy_with_redis(wired, monkeypatch):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    response = await _health(wired, monkeypatch, url)
    assert response.status_code == 200 and response.json() == {"database": "ok", "redis": "ok"}


async def test_a_redis_that_does_not_answer_is_503(wired, monkeypatch):
    response = await _health(wired, monkeypatch, "redis://127.0.0.1:1/0")
    assert response.status_code == 503 and response.json() == {"database": "ok", "redis": "down"}


async def test_a_database_that_does_not_answer_is_503(wired, monkeypatch):
    await wired.dispose()
    monkeypatch.setattr(runtime, "db", lambda: _Broken())
    response = await _health(wired, monkeypatch, None)
    assert response.status_code == 503 and response.json() == {"database": "down", "redis": "off"}


class _Broken:
    def read(self):
        raise ConnectionRefusedError("the database is down")
