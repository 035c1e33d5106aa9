"""`make test`: point the suite at the real PostgreSQL and Redis when they answer, then run pytest."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from tests.conftest import WALL_CLOCK_ENV

_PG = "postgresql://postgres@127.0.0.1:5432/test"
_REDIS = "redis://127.0.0.1:6379/7"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def main() -> int:
    if _answers(5432):
        os.environ.setdefault("TEST_DATABASE_URL", _PG)
    else:
        print("PostgreSQL is not answering on 127.0.0.1:5432: its tests will be skipped.")
    if _answers(6379):
        os.environ.setdefault("TEST_REDIS_URL", _REDIS)
    else:
        print("Redis is not answering on 127.0.0.1:6379: its tests will be skipped.")
    if sys.argv[1:]:
        return _pytest(sys.argv[1:])
    # Playwright's sync API keeps an event loop running for the whole session, which the async service
    # tests cannot share: the two halves run as two pytest processes, browser tests last.
    fast = _pytest(["tests/services", "tests/state", "tests/http"])
    # Nothing may depend on today's date: the same suites again, with the wall clock years ahead. On SQLite
    # only: a date dependence does not hide in the database engine, and the PostgreSQL variants (half the time)
    # already ran above, so the whole `make test` stays within its 15 minutes.
    moved = (datetime.now(timezone.utc) + timedelta(days=7 * 365 + 123)).isoformat(timespec="seconds")
    later = _pytest(["tests/services", "tests/state", "tests/http"], env={WALL_CLOCK_ENV: moved,
                                                                        "TEST_DATABASE_URL": ""})
    browser = _pytest(["tests/e2e"])
    return fast or later or browser


def _pytest(args: list[str], env: dict | None = None) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                           env={**os.environ, **(env or {})})


if __name__ == "__main__":
    raise SystemExit(main())
