"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set) and a clock."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from services import events
from services.bootstrap import migrate
from services.clock import FrozenClock
from services.db import Database, sync_url

START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
# `make test` runs the service and state suites a second time with the wall clock moved years ahead
# (tests/run_suite.py sets this): a test that leans on today's date instead of the frozen clock fails there.
WALL_CLOCK_ENV = "INBOX_TEST_WALL_CLOCK"


def pytest_configure(config):
    moved_to = os.environ.get(WALL_CLOCK_ENV)
    if moved_to:
        import time_machine

        config._inbox_traveller = time_machine.travel(datetime.fromisoformat(moved_to), tick=True)
        config._inbox_traveller.start()


def pytest_report_header(config):
    moved_to = os.environ.get(WALL_CLOCK_ENV)
    return f"wall clock moved to {moved_to}" if moved_to else None


# Migrating takes longer with every migration: each test process migrates once per engine and then only
# empties the tables (PostgreSQL) or copies the migrated file (SQLite). The data migrations only copy rows that
# already exist, so an emptied schema is exactly a freshly migrated one.
_migrated_postgres: set[str] = set()
_migrated_sqlite: Path | None = None


def _reset_postgres(url: str) -> None:
    engine = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if url in _migrated_postgres:
            tables = [row[0] for row in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
            conn.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    if url not in _migrated_postgres:
        migrate(url)
        _migrated_postgres.add(url)


def _fresh_sqlite(target: Path) -> None:
    global _migrated_sqlite
    if _migrated_sqlite is None:
        template = Path(tempfile.mkdtemp(prefix="inbox-schema-")) / "inbox.db"
        migrate(f"sqlite:///{template}")
        with sqlite3.connect(template) as conn:  # everything into the main file, so one copy holds it all
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _migrated_sqlite = template
    shutil.copyfile(_migrated_sqlite, target)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request, tmp_path):
    if request.param == "sqlite":
        _fresh_sqlite(tmp_path / "inbox.db")
        url = f"sqlite:///{tmp_path / 'inbox.db'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set (make test sets it when PostgreSQL answers)")
        _reset_postgres(url)
    database = Database(url)
    events.configure(None)
    yield database
    await database.dispose()


@pytest.fixture
def clock():
    return FrozenClock(START)


@pytest.fixture
def wired(db, clock, monkeypatch, tmp_path):
    """The app's runtime (states and HTTP routes) wired to the test database, settings and frozen clock.

    States and routes read the clock through `runtime.clock`, exactly as services get it, so a test's
    sessions, passcodes and deadlines all live on the same frozen time, never on today's date.
    """
    from inbox_app import runtime
    from services.config import load_settings
    from tests.state.support import SECRET

    settings = load_settings({"INBOX_SECRET_KEY": SECRET, "DATABASE_URL": db.url,
                              "ATTACHMENTS_DIR": str(tmp_path / "attachments")})
    monkeypatch.setattr(runtime, "db", lambda: db)
    monkeypatch.setattr(runtime, "settings", lambda: settings)
    monkeypatch.setattr(runtime, "clock", clock)
    return db
