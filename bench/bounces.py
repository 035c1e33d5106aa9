"""Bounce benchmark: N armed deadlines on PostgreSQL, two worker processes each running the bounce-and-transfer
loop (services/handoff_loop.py) with the wall clock, as production does. Prints how late each bounce fired
(p50, p99, max) and how many fired (each exactly once); with --kill, one worker is SIGKILLed midway.

    .venv/bin/python -m bench.bounces --deadlines 10000 --spread 100          # two workers
    .venv/bin/python -m bench.bounces --deadlines 10000 --spread 100 --kill   # one killed midway

BENCH_DATABASE_URL (or TEST_DATABASE_URL) is an admin URL beside which a fresh `bench_bounces` database is made.
Deadlines are rows inserted directly (interaction and case), spread evenly over --spread seconds starting a few
seconds after the workers start, held 50 per agent by 200 agents (capacity 100 each on chat), as a busy floor
would; each bounces to another agent. The SOP is a week, so no re-armed deadline fires during the run: each
(interaction, deadline) pair must appear exactly once among the bounces.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import select

from services import handoff_loop
from services.bootstrap import migrate
from services.clock import utcnow
from services.db import Database
from services.models import (AgentCapacity, Bounce, Case, Grant, Interaction, Organization, User,
                             UserOrganization)
from tests.e2e.server import ROOT, fresh_database

_LEAD_SECONDS = 5.0  # the first deadline comes this long after the workers start
_AGENTS, _CAPACITY = 200, 100


async def _arm(url: str, deadlines: int, spread: float) -> None:
    db = Database(url)
    async with db.transaction() as session:
        org = Organization(slug="bench", name="Bench", chat_identity_secret="bench", sop_chat_seconds=7 * 24 * 3600)
        session.add(org)
        await session.flush()
        agents = []
        for login in [f"agent{i}" for i in range(_AGENTS)]:
            user = User(user_id=login, password_hash="-", available=True)
            session.add(user)
            await session.flush()
            agents.append(user)
            session.add_all([UserOrganization(user_id=user.id, organization_id=org.id),
                             Grant(user_id=user.id, name="inbox"),
                             AgentCapacity(user_id=user.id, channel="chat", capacity=_CAPACITY)])
    now = utcnow()
    start = now + timedelta(seconds=_LEAD_SECONDS)
    # SQLModel prefers exec(); a bulk insert needs execute().
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    async with db.transaction() as session:
        case_ids = (await session.execute(insert(Case).returning(Case.id), [
            {"organization_id": org.id, "origin": "chat", "created_at": now, "contact_email": f"c{i}@bench"}
            for i in range(deadlines)])).scalars().all()
        await session.execute(insert(Interaction), [
            {"organization_id": org.id, "case_id": case_id, "channel": "chat", "state": "assigned",
             "assignee_id": agents[i % _AGENTS].id, "created_at": now, "assigned_at": now, "last_activity_at": now,
             "bounce_due_at": start + timedelta(seconds=spread * i / deadlines), "arrived_by": "",
             "verified": False, "joined_open_case": False, "given_first_name": "", "given_last_name": "",
             "last_author": "system", "last_text": ""}
            for i, case_id in enumerate(case_ids)])
    await db.dispose()


async def _worker(url: str) -> None:
    await handoff_loop.run_handoff_loop(Database(url), clock=utcnow)


async def _results(url: str) -> tuple[int, int, list[float]]:
    """Bounces recorded, distinct (interaction, deadline) pairs among them, and how late each fired."""
    db = Database(url)
    async with db.read() as session:
        rows = (await session.exec(select(Bounce.interaction_id, Bounce.due_at, Bounce.at))).all()
    await db.dispose()
    return len(rows), len({(i, due) for i, due, _ in rows}), sorted((at - due).total_seconds() for _, due, at in rows)


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))] if values else float("nan")


def _start_worker(url: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bench.bounces", "--worker", url], cwd=ROOT,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=100.0, help="seconds over which the deadlines fall due")
    parser.add_argument("--kill", action="store_true", help="SIGKILL one worker when half the deadlines are due")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(_worker(args.worker))
        return
    admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not admin or not admin.startswith("postgresql"):
        sys.exit("bench.bounces needs PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
    url = fresh_database(Path(tempfile.mkdtemp()), name="bench_bounces", admin=admin)
    migrate(url)
    asyncio.run(_arm(url, args.deadlines, args.spread))
    logs = ROOT / "test-artifacts"
    logs.mkdir(exist_ok=True)
    workers = [_start_worker(url, logs / f"bench-bounces-worker{i}.log") for i in range(2)]
    began = time.monotonic()
    try:
        if args.kill:
            time.sleep(_LEAD_SECONDS + args.spread / 2)
            workers[0].send_signal(signal.SIGKILL)
            print(f"killed worker {workers[0].pid} (SIGKILL) midway")
        while time.monotonic() - began < _LEAD_SECONDS + args.spread + 120:
            fired, _, _ = asyncio.run(_results(url))
            if fired >= args.deadlines:
                break
            time.sleep(2)
        time.sleep(3)  # a twice-fired deadline would show up here
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
    fired, distinct, late = asyncio.run(_results(url))
    print(f"deadlines {args.deadlines} over {args.spread:.0f} s, 2 workers{', one killed midway' if args.kill else ''}")
    print(f"fired {fired}, distinct {distinct}, twice {fired - distinct}, lost {args.deadlines - distinct}")
    worst = late[-1] if late else float("nan")
    print(f"late: p50 {_pct(late, 0.50):.3f} s, p99 {_pct(late, 0.99):.3f} s, max {worst:.3f} s (target p99 <= 1 s)")


if __name__ == "__main__":
    main()
