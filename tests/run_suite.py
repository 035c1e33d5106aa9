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
_REDIS_MOVED = "redis://127.0.0.1:6379/6"  # the moved-clock pass runs beside the first: its own Redis database
_SUITES = ["tests/services", "tests/state", "tests/http"]


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
    # tests cannot share: the browser tests run in their own pytest process, last.
    # The service, state and HTTP suites run as two processes side by side (two cores): the PostgreSQL variants
    # with today's clock, and the SQLite variants with the wall clock moved years ahead, so that nothing may
    # depend on today's date (a date dependence does not hide in the database engine). Each test thus runs once
    # per engine, and the whole `make test` stays within its 15 minutes.
    moved = (datetime.now(timezone.utc) + timedelta(days=7 * 365 + 123)).isoformat(timespec="seconds")
    passes = [
        _Pass("PostgreSQL, today's clock", [*_SUITES, "-k", "not sqlite"]) if os.environ.get("TEST_DATABASE_URL")
        else None,
        _Pass("SQLite, the wall clock moved years ahead", _SUITES,
              {WALL_CLOCK_ENV: moved, "TEST_DATABASE_URL": "",
               **({"TEST_REDIS_URL": _REDIS_MOVED} if os.environ.get("TEST_REDIS_URL") else {})}),
    ]
    fast = _side_by_side([p for p in passes if p is not None])
    browser = _pytest(["tests/e2e"])
    return fast or browser


class _Pass:
    def __init__(self, title: str, args: list[str], env: dict | None = None):
        self.title, self.args, self.env = title, args, env or {}


def _side_by_side(passes: list[_Pass]) -> int:
    """Run the passes at once, each printing its report when it is done (never interleaved)."""
    import tempfile

    running = []
    for each in passes:
        log = tempfile.TemporaryFile(mode="w+")
        process = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *each.args],
                                   env={**os.environ, **each.env}, stdout=log, stderr=subprocess.STDOUT, text=True)
        running.append((each, process, log))
    failed = 0
    for each, process, log in running:
        failed = process.wait() or failed
        log.seek(0)
        print(f"=== {each.title}", flush=True)
        sys.stdout.write(log.read())
        sys.stdout.flush()
        log.close()
    return failed


def _pytest(args: list[str], env: dict | None = None) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                           env={**os.environ, **(env or {})})


if __name__ == "__main__":
    raise SystemExit(main())
