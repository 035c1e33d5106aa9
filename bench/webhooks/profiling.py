"""Reads the inbox workers' CPU samples (bench/webhooks/profile/sitecustomize.py) into a short report.

Three views of the same samples, each as a share of all of them (all CPU the workers used):
- by area: the innermost frame's package (own time), so a cost spread over many small functions (SQLAlchemy's
  ORM, asyncio's loop) still shows;
- the project's functions, inclusive: a sample counts for every project function on its stack;
- the heaviest innermost functions.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

from bench.load import probes

_AREAS = (  # first match wins: a path fragment, and the name the report gives it
    ("/sqlalchemy/orm/", "sqlalchemy orm"), ("/sqlalchemy/", "sqlalchemy core/engine"),
    ("/sqlmodel/", "sqlmodel"), ("/asyncpg/", "asyncpg"), ("/psycopg", "psycopg"),
    ("/phonenumbers/", "phonenumbers"), ("/twilio/", "twilio"), ("/starlette/", "starlette"),
    ("/multipart/", "python-multipart"), ("/reflex", "reflex"), ("/redis/", "redis"), ("/granian/", "granian"),
    ("/greenlet/", "greenlet"), ("selectors.py", "idle in epoll (CPU of the worker's other threads)"),
    ("/asyncio/", "asyncio"), ("/logging/", "logging"),
)


def _is_project(name: str) -> bool:
    # Not by ROOT: the editable install may resolve the project's packages from another checkout.
    return "site-packages" not in name and ("/services/" in name or "/inbox_app/" in name)


def _area(name: str) -> str:
    if _is_project(name):
        return "project: " + ("services/" if "/services/" in name else "inbox_app/")
    return next((area for fragment, area in _AREAS if fragment in name), "other python")


def short_name(name: str) -> str:
    if "site-packages/" in name:
        return name.split("site-packages/", 1)[1]
    if _is_project(name):
        package = "services/" if "/services/" in name else "inbox_app/"
        return package + name.split("/" + package, 1)[1]
    return name.rsplit("/", 1)[-1]


def _load(paths: list[Path]) -> tuple[int, float, Counter, Counter]:
    samples, interval, leaf, inclusive = 0, 0.005, Counter(), Counter()
    for path in paths:
        data = json.loads(path.read_text())
        samples += data["samples"]
        interval = data["interval"]
        leaf.update(data["leaf"])
        inclusive.update(data["inclusive"])
    return samples, interval, leaf, inclusive


def report(paths: list[Path], top: int = 30) -> str:
    if not paths:
        return "profile: no worker wrote its samples"
    samples, interval, leaf, inclusive = _load(paths)
    total = max(1, samples)
    areas = Counter()
    for name, count in leaf.items():
        areas[_area(name)] += count
    lines = [f"profile: {len(paths)} worker(s), {samples} samples, one per {interval * 1000:g} ms of a worker's "
             f"CPU (~{samples * interval:.1f} CPU s)", "  own time by area:"]
    lines += [f"    {count / total:6.1%}  {area}" for area, count in areas.most_common()]
    lines.append("  the project's functions, inclusive (a sample counts for each on its stack):")
    project = [(name, count) for name, count in inclusive.most_common() if _is_project(name)][:top]
    lines += [f"    {count / total:6.1%}  {short_name(name)}" for name, count in project]
    lines.append("  innermost functions (own time):")
    lines += [f"    {count / total:6.1%}  {short_name(name)}" for name, count in leaf.most_common(top // 2)]
    return "\n".join(lines)


def restart(pgid: int) -> None:
    """Every worker forgets what it sampled so far (SIGUSR2): a profile of what comes next only."""
    for pid in probes.worker_pids(pgid):
        os.kill(pid, signal.SIGUSR2)


def collect(pgid: int, profile_dir: Path) -> str:
    """Every worker writes its samples (SIGUSR1); the report of them all, once written (10 s at most)."""
    return report(probes.ask_workers(pgid, profile_dir, timeout=10))
