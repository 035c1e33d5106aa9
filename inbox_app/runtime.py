"""Process-wide singletons for the Reflex layer: settings, the database and the clock.

Created lazily so that compiling the app (which imports it) never opens a connection.
"""

from __future__ import annotations

from functools import lru_cache

from services import events
from services.bootstrap import settings_or_exit
from services.clock import utcnow
from services.config import Settings
from services.db import Database

clock = utcnow


@lru_cache(maxsize=1)
def settings() -> Settings:
    return settings_or_exit()


@lru_cache(maxsize=1)
def db() -> Database:
    return Database(settings().database_url)


@lru_cache(maxsize=1)
def bus() -> events.LocalBus:
    return events.configure(settings().redis_url)
