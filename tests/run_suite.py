"""`make test`: point the suite at the real PostgreSQL and Redis when they answer, then run pytest."""

from __future__ import annotations

import os
import socket
import sys

import pytest

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
    return pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:]])


if __name__ == "__main__":
    raise SystemExit(main())
