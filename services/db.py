"""Engines and transactions. Services get an explicit AsyncSession; callers own the transaction."""

from __future__ import annotations

import asyncio
import hashlib
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from services import events

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg2"}


def async_url(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername=_ASYNC_DRIVERS[parsed.get_backend_name()]).render_as_string(
        hide_password=False
    )


def sync_url(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername=_SYNC_DRIVERS[parsed.get_backend_name()]).render_as_string(
        hide_password=False
    )


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _lock_key(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


async def lock_until_commit(session: AsyncSession, key: str) -> None:
    """Transactions naming the same key take turns: on PostgreSQL an advisory lock held until this one ends;
    SQLite has one writer at a time anyway."""
    if session.bind.dialect.name == "postgresql":
        await session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_lock_key(key)))


async def lock_all_until_commit(session: AsyncSession, keys: set[str]) -> None:
    """`lock_until_commit` for many keys in one statement. Always taken in the same (sorted) order, so two
    transactions locking overlapping sets wait for each other instead of deadlocking."""
    if keys and session.bind.dialect.name == "postgresql":
        await session.exec(text(
            "SELECT count(pg_advisory_xact_lock(k)) FROM "
            "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS ordered").bindparams(
            keys=sorted({_lock_key(key) for key in keys})))


def make_engine(url: str) -> AsyncEngine:
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_async_engine(async_url(url), connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):  # WAL lets readers run beside the one writer
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_async_engine(async_url(url), pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    """One engine per process, and the transaction helper every service call goes through."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer at a time: serialise writers in-process instead of failing on a lock.
        self._write_lock = asyncio.Lock() if is_sqlite(self.engine) else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self, *, origin: str = "") -> AsyncIterator[AsyncSession]:
        """Commit on success, roll back on error; then publish what the work asked to announce.

        Clients are told after the commit, never before (DESIGN.md). `origin` names the browser tab whose
        handler did the work and refreshes itself right after: its own notice is not pushed back to it.
        """
        if self._write_lock is not None:
            await self._write_lock.acquire()
        try:
            async with self._sessions() as session:
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
                topics = events.pending_topics(session)
        finally:
            if self._write_lock is not None:
                self._write_lock.release()
        await events.publish_all(topics, origin=origin)

    async def execute_alone(self, statement, values: dict) -> int:
        """One statement in its own transaction, without an ORM session (a webhook's hot path: BEGIN, the
        statement, COMMIT, and nothing else); returns the rows it changed. Publishes nothing."""
        if self._write_lock is not None:
            await self._write_lock.acquire()
        try:
            async with self.engine.begin() as conn:
                return (await conn.execute(statement, values)).rowcount
        finally:
            if self._write_lock is not None:
                self._write_lock.release()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
