"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set) and a clock."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from services import events
from services.bootstrap import migrate
from services.clock import FrozenClock
from services.db import Database, sync_url

START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def _reset_postgres(url: str) -> None:
    engine = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'inbox.db'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set (make test sets it when PostgreSQL answers)")
        _reset_postgres(url)
    migrate(url)
    database = Database(url)
    events.configure(None)
    yield database
    await database.dispose()


@pytest.fixture
def clock():
    return FrozenClock(START)
