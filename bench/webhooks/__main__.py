"""Webhook benchmark: signed inbound SMS posted to the inbox's POST /webhooks/twilio/messages, beside a bare
Starlette endpoint served the same way, with an open-loop load generator on the same machine.

    make bench                                        # runs this after bench.load
    .venv/bin/python -m bench.webhooks --seconds 10 --step-seconds 4      # a shorter run
    .venv/bin/python -m bench.webhooks --apps inbox --profile --rate 100   # where the inbox's time goes

Two phases per server: a fixed --rate (100/s) for --seconds → latency p50 / p99 / max and errors; then a ramp
(+25 % a step, --step-seconds each) until a step does not keep up → the sustained rate. Afterwards the inbox's
database must hold exactly the messages sent. PostgreSQL + Redis and 2 workers when BENCH_DATABASE_URL /
BENCH_REDIS_URL (or TEST_DATABASE_URL / TEST_REDIS_URL) are set, else SQLite and 1 worker. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.load import probes
from bench.webhooks import profiling
from bench.webhooks.load import KEEPS_UP_P99_MS, Outcome, Requests, keeps_up, open_loop, percentile
from bench.webhooks.servers import (ACCOUNT_SID, AUTH_TOKEN, SMS_NUMBER, staging_lag, start_bare, start_inbox,
                                    stored_messages)

_WARM_UP = (25, 2.0)  # rate, seconds: connections opened, code paths and the database pool warm
_QUIET_CORES = 0.3  # a server using less CPU than this has caught up (the inbox's loops never quite stop)


def _ramp_rates(start: float, limit: float):
    rate = start
    while rate <= limit:
        yield rate
        rate = max(rate + 25, round(rate * 1.25 / 25) * 25)


def _step_line(label: str, outcome: Outcome, ok: bool, lag: list[float] | None = None) -> str:
    errors = ", ".join(f"{k} x{v}" for k, v in outcome.errors.items()) or "no errors"
    stored = "" if lag is None else f"; staged → stored p50 {_lag(lag, 0.5)}, p99 {_lag(lag, 0.99)} ms"
    return (f"[{label}] {outcome.rate:g}/s: p50 {_ms(percentile(outcome.latencies, 0.5))}, "
            f"p99 {_ms(percentile(outcome.latencies, 0.99))} ms, {errors}{stored}"
            f"{'' if ok else '  <- does not keep up'}")


def _lag(lag: list[float] | None, q: float) -> str:
    return "-" if lag is None else ("not all stored" if lag and lag[0] < 0 else _ms(percentile(lag, q)))


def _stored_in_time(lag: list[float] | None) -> bool:
    """The inbox answers before it stores (staging): a step keeps up only if storing keeps up too."""
    return lag is None or (bool(lag) and lag[0] >= 0 and percentile(lag, 0.99) <= KEEPS_UP_P99_MS)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


async def _send(base: str, requests: Requests, rate: float, seconds: float) -> Outcome:
    first = requests.made
    outcome = await open_loop(base, requests.batch(max(1, round(rate * seconds))), rate)
    requests.answered.update(requests.sid(first + i) for i in outcome.answered)
    return outcome


async def _settle(pgid: int, limit: float = 120.0) -> float:
    """Wait (up to `limit` s) until the server is nearly idle: requests the generator gave up on are still
    being served after it has moved on. Returns the CPU the server used in its last quiet second (cores)."""
    used = 0.0
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = probes.cpu_seconds(pgid)
        await asyncio.sleep(1.0)
        used = probes.cpu_seconds(pgid) - before
        if used < _QUIET_CORES:
            break
    return used


async def _stored_lag(lag_of, requests: Requests, first: int) -> list[float] | None:
    """Staged → stored, ms, for the requests from `first` on, once none is pending (the inbox only)."""
    if lag_of is None:
        return None
    return await asyncio.to_thread(lag_of, {requests.sid(n) for n in range(first, requests.made)})


async def _fixed(base: str, requests: Requests, args, pgid: int, count_dir: Path | None, lag_of) -> dict:
    """The fixed rate: latency, and what each request costs the server (CPU, SQL), storing included."""
    before = (probes.cpu_seconds(pgid), probes.sql_statements(count_dir) if count_dir else 0)
    first = requests.made
    fixed = await _send(base, requests, args.rate, args.seconds)
    lag = await _stored_lag(lag_of, requests, first)
    await asyncio.sleep(1.0)  # the SQL count files are written twice a second
    after = (probes.cpu_seconds(pgid), probes.sql_statements(count_dir) if count_dir else 0)
    n = max(1, fixed.sent)
    return {"fixed": fixed, "lag": lag, "app_cpu_ms": (after[0] - before[0]) * 1000 / n,
            "sql": (after[1] - before[1]) / n if count_dir else None}


async def _ramp(label: str, base: str, requests: Requests, args, pgid: int, lag_of) -> list[tuple[Outcome, bool]]:
    """Steps of rising rate until one does not keep up; each starts on a server that has caught up."""
    steps = []
    for rate in _ramp_rates(args.ramp_from, args.ramp_max):
        await _settle(pgid)
        first = requests.made
        outcome = await _send(base, requests, rate, args.step_seconds)
        lag = await _stored_lag(lag_of, requests, first)
        steps.append((outcome, keeps_up(outcome) and _stored_in_time(lag)))
        print(_step_line(label, outcome, steps[-1][1], lag), flush=True)
        if not steps[-1][1]:
            break
    return steps


async def _phases(label: str, base: str, requests: Requests, args, pgid: int, count_dir: Path | None,
                  lag_of=None) -> dict:
    await _send(base, requests, *_WARM_UP)
    await _settle(pgid)
    result = await _fixed(base, requests, args, pgid, count_dir, lag_of)
    print(_step_line(label, result["fixed"], keeps_up(result["fixed"]) and _stored_in_time(result["lag"]),
                     result["lag"]), flush=True)
    if args.profile:  # the profile is of the fixed rate alone: collected right after it
        return {**result, "steps": [], "sent": requests.made, "idle_cores": 0.0}
    steps = await _ramp(label, base, requests, args, pgid, lag_of)
    # With nobody signed in to take them, every interaction opened is still queued: what does that cost?
    idle = await _settle(pgid)
    return {**result, "steps": steps, "sent": requests.made, "idle_cores": idle}


def _run_inbox(args, tmp: Path, database_admin: str | None, redis_url: str | None) -> dict:
    workers = args.workers if redis_url else 1
    profile_dir = tmp / "profile" if args.profile else None
    if profile_dir:
        profile_dir.mkdir()
    started = time.perf_counter()
    server, database_url, count_dir = start_inbox(tmp, database_admin, redis_url, workers, profile_dir)
    print(f"[inbox] up in {time.perf_counter() - started:.0f} s with {workers} worker(s); posting…", flush=True)
    run_tag = uuid.uuid4().hex[:6]
    base = server.env["PUBLIC_BASE_URL"]
    try:
        requests = Requests(base, AUTH_TOKEN, ACCOUNT_SID, SMS_NUMBER, run_tag)
        lag_of = lambda sids: staging_lag(database_url, sids)  # noqa: E731
        result = asyncio.run(_phases("inbox", base, requests, args, server.process.pid, count_dir, lag_of))
        time.sleep(2.0)  # a request the generator gave up on may still be committing
        staging_lag(database_url, requests.answered)  # and the inbound loop may still be storing
        result["stored"] = stored_messages(database_url, run_tag, requests.answered)
        if profile_dir:
            result["profile"] = profiling.collect(server.process.pid, profile_dir)
    finally:
        server.stop()
    return result


def _run_bare(args, workers: int) -> dict:
    server = start_bare(workers)
    print(f"[bare] up with {workers} worker(s); posting…", flush=True)
    base = f"http://127.0.0.1:{server.port}"
    try:
        requests = Requests(base, AUTH_TOKEN, ACCOUNT_SID, SMS_NUMBER, "bare")
        return asyncio.run(_phases("bare", base, requests, args, server.process.pid, None))
    finally:
        server.stop()


def _sustained(result: dict) -> str:
    kept = [outcome.rate for outcome, ok in result["steps"] if ok]
    if not result["steps"]:
        return "-"
    if len(kept) == len(result["steps"]):
        return f">= {kept[-1]:g} (ramp limit)"
    return f"{kept[-1]:g}" if kept else f"< {result['steps'][0][0].rate:g}"


def _table(results: dict[str, dict], args, database: str, workers: int) -> str:
    rows = [("metric", "inbox", "bare", "target (issue 9)")]

    def row(name, fn, target=""):
        rows.append((name, *(fn(results[k]) if k in results else "-" for k in ("inbox", "bare")), target))

    fixed = lambda r: r["fixed"]  # noqa: E731
    row(f"{args.rate:g}/s for {args.seconds:g} s: latency ms p50 / p99 / max",
        lambda r: " / ".join(_ms(percentile(fixed(r).latencies, q)) for q in (0.5, 0.99, 1.0)),
        f"p99 <= 100 ms @ {args.rate:g}/s")
    row("   staged → stored ms p50 / p99 (the inbox answers first)",
        lambda r: " / ".join(_lag(r.get("lag"), q) for q in (0.5, 0.99)), "")
    row("   answered 200 / sent, errors", lambda r: f"{len(fixed(r).latencies)} / {fixed(r).sent}, "
        f"{sum(fixed(r).errors.values())}", "all, 0")
    row("   generator late ms p99 (its own lag)", lambda r: _ms(percentile(fixed(r).late_ms, 0.99)))
    row("sustained inbound/s (ramp, +25 %/step; stored too)", _sustained, ">= 300")
    row("   last step: p99 ms, errors", lambda r: (
        f"{_ms(percentile(r['steps'][-1][0].latencies, 0.99))}, {sum(r['steps'][-1][0].errors.values())}"
        if r["steps"] else "-"))
    row(f"app CPU ms / request at {args.rate:g}/s (all processes)", lambda r: f"{r['app_cpu_ms']:.2f}")
    row("app CPU after the run, idle (cores)", lambda r: f"{r['idle_cores']:.2f}")
    row("generator CPU ms / request", lambda r: f"{fixed(r).generator_cpu * 1000 / max(1, fixed(r).sent):.2f}")
    row("SQL statements / message", lambda r: "-" if r["sql"] is None else f"{r['sql']:.1f}")
    row("stored / distinct SIDs / sent", lambda r: f"{r['stored'].rows} / {r['stored'].distinct} / {r['sent']}"
        if "stored" in r else "-", "equal")
    row("   answered 200 but not stored (lost)", lambda r: str(r["stored"].lost) if "stored" in r else "-", "0")
    row("   interactions opened", lambda r: str(r["stored"].interactions) if "stored" in r else "-")
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    lines = [f"webhooks: signed inbound SMS to POST /webhooks/twilio/messages, each from a new number; {database}, "
             f"{workers} worker(s). The load generator shares the machine's {os.cpu_count()} cores with the server "
             f"(and so does anything else running: load average {os.getloadavg()[1]:.1f} over the last 5 min)."]
    lines += ["  ".join(str(cell).ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100, help="fixed phase: requests per second")
    parser.add_argument("--seconds", type=float, default=30, help="fixed phase: how long")
    parser.add_argument("--ramp-from", type=float, default=25, help="first ramp step, requests per second")
    parser.add_argument("--ramp-max", type=float, default=5000, help="the ramp stops here if nothing fails")
    parser.add_argument("--step-seconds", type=float, default=6, help="length of each ramp step")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GRANIAN_WORKERS", 2)))
    parser.add_argument("--apps", default="inbox,bare")
    parser.add_argument("--profile", action="store_true",
                        help="inbox, fixed phase only: a CPU sampling profiler in each worker; prints where time goes")
    args = parser.parse_args()
    # The servers run in their own sessions: a SIGTERM (timeout, CI) must unwind through their stop().
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    database_admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL")
    workers = args.workers if redis_url else 1
    apps = ["inbox"] if args.profile else args.apps.split(",")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "inbox" in apps:
            results["inbox"] = _run_inbox(args, Path(tmp), database_admin, redis_url)
        if "bare" in apps:
            results["bare"] = _run_bare(args, workers)
    database = ("PostgreSQL" if database_admin else "SQLite") + (" + Redis" if redis_url else "")
    print(_table(results, args, database, workers))
    if "profile" in results.get("inbox", {}):
        print(results["inbox"]["profile"])


if __name__ == "__main__":
    main()
