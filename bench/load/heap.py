"""Reads the inbox workers' tracemalloc reports (bench/load/memory/sitecustomize.py) into a short table."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

from bench.load import probes
from bench.webhooks.profiling import short_name

SHIM = Path(__file__).resolve().parent / "memory"


def baseline(pgid: int) -> None:
    """Every worker notes what it holds now (SIGUSR2): the report is of what grew after."""
    for pid in probes.worker_pids(pgid):
        os.kill(pid, signal.SIGUSR2)


def collect(pgid: int, memory_dir: Path, *, sockets: int, top: int = 15) -> str:
    """Every worker writes what its live allocations grew by (SIGUSR1); the report of them all, once written (a
    snapshot of a large worker takes a while: 3 min at most)."""
    return report(probes.ask_workers(pgid, memory_dir, timeout=180), sockets=sockets, top=top)


def report(paths: list[Path], *, sockets: int, top: int = 15) -> str:
    if not paths:
        return "memory: no worker wrote its report"
    totals, owners, counts = [], Counter(), Counter()
    for path in paths:
        data = json.loads(path.read_text())
        totals.append(data["total"])
        for owner, (size, count) in data["top"]:
            owners[owner] += size
            counts[owner] += count
    mb = 1024 * 1024
    lines = [f"memory: what the workers' live Python allocations grew by from before the first sign-in (tracemalloc): "
             + ", ".join(f"{t / mb:.0f} MB" for t in totals)
             + f"; {sum(totals) / max(1, sockets) / 1024:.0f} KB per connected socket ({sockets} sockets)",
             "  by the first frame outside the standard library (all workers):"]
    lines += [f"    {size / mb:7.1f} MB  {counts[owner]:8d} blocks  {short_name(owner)}"
              for owner, size in owners.most_common(top)]
    return "\n".join(lines)
