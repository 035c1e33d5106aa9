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


async def lock_until_commit(session: AsyncSession, key: str) -> None:
    """Transactions naming the same key take turns: on PostgreSQL an advisory lock held until this one ends;
    SQLite has one writer at a time anyway."""
    if session.bind.dialect.name == "postgresql":
        digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
        await session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(
            key=int.from_bytes(digest, "big", signed=True)))


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

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
