"""What the benchmark reads from outside the app: /proc (RSS, CPU), the SQL count files, pg_stat_database."""

from __future__ import annotations

import json

import os
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

from services.db import sync_url

SQL_COUNT_SHIM = Path(__file__).resolve().parent / "sqlcount"  # holds the sitecustomize.py the app loads


def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def _group(pgid: int) -> list[tuple[int, list[str]]]:
    """(pid, fields of /proc/pid/stat after the command name) for every process in the group."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            found.append((int(stat.parent.name), fields))
    return found


def worker_pids(leader: int) -> list[int]:
    """Granian's workers: the children of `reflex run` (which is Granian's supervisor), else the leader."""
    children = [pid for pid, fields in _group(leader) if int(fields[1]) == leader]
    return sorted(children) or [leader]


def rss_mb(pid: int) -> float:
    value = _status(pid).get("VmRSS", "0 kB").split()[0]
    return int(value) / 1024


def cpu_seconds(pgid: int) -> float:
    """utime + stime of every process of the app (the supervisor and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    return sum((int(f[11]) + int(f[12])) / tick for _pid, f in _group(pgid))


def ask_workers(pgid: int, folder: Path, *, timeout: float) -> list[Path]:
    """SIGUSR1 to every worker, whose shim then writes <folder>/<pid>.json; the files once all are written, or
    those written within `timeout` seconds."""
    import signal
    import time

    workers = worker_pids(pgid)
    for pid in workers:
        os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while len(list(folder.glob("*.json"))) < len(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    return sorted(folder.glob("*.json"))


def sql_statements(count_dir: Path) -> int:
    """Statements counted so far by every app process (see sqlcount/sitecustomize.py)."""
    total = 0
    for path in count_dir.glob("[0-9]*"):
        try:
            total += int(path.read_text() or 0)
        except (OSError, ValueError):
            continue
    return total


def sql_kinds(count_dir: Path) -> Counter:
    """With BENCH_SQL_KINDS=1 in the app's environment: statements so far by their first words and table."""
    kinds = Counter()
    for path in count_dir.glob("kinds-*.json"):
        try:
            kinds.update(json.loads(path.read_text() or "{}"))
        except (OSError, ValueError):
            continue
    return kinds


_PG_COUNTERS = ("xact_commit", "xact_rollback", "tup_returned", "tup_fetched", "tup_inserted", "tup_updated",
                "tup_deleted")


def pg_counters(database_url: str) -> dict[str, int] | None:
    """This database's cumulative counters. PostgreSQL flushes a backend's counts about once a second, so a
    delta over a window of tens of seconds is close, not exact. None on SQLite."""
    if not database_url.startswith("postgresql"):
        return None
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            row = conn.execute(text(f"SELECT {', '.join(_PG_COUNTERS)} FROM pg_stat_database "
                                    "WHERE datname = current_database()")).one()
    finally:
        engine.dispose()
    return dict(zip(_PG_COUNTERS, map(int, row)))
