"""Protocol-level load benchmark: the inbox and a bare Reflex app, side by side, no browser.

    make bench                  # runs this after bench.chat_latency
    .venv/bin/python -m bench.load --agents 20 --customers 20 --rate 10 --seconds 30
    .venv/bin/python -m bench.load --apps inbox --profile    # where the inbox's CPU goes per message

PostgreSQL + Redis when BENCH_DATABASE_URL / BENCH_REDIS_URL (or TEST_DATABASE_URL / TEST_REDIS_URL) are
set: the database URL is an admin URL beside which a fresh `<name>_inbox` database is made, the Redis
database is flushed. Otherwise SQLite and one worker (without Redis, workers cannot share tabs' state).
See bench/README.md for what each figure measures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.load import heap, probes, quiet
from bench.load.apps import BARE, INBOX, AppSpec, BareServer, add_agents
from bench.load.driver import Run
from bench.webhooks import profiling
from bench.webhooks.servers import PROFILE_SHIM
from tests.e2e.server import ROOT, AppServer, app_env, flush_redis, free_port, fresh_database

_ARTIFACTS = ROOT / "test-artifacts"


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def _drive(spec: AppSpec, base: str, args, logins: list[str], server, count_dir: Path,
                 database_url: str, profile_dir: Path | None = None, redis_url: str | None = None,
                 memory_dir: Path | None = None) -> dict:
    profile, quiet_pushes, memory = "", {}, ""
    recorder = quiet.Recorder(redis_url) if redis_url and spec is INBOX else None
    connector = aiohttp.TCPConnector(limit=0)  # the default caps a session at 100 open connections
    # No cookie jar: each agent's cookie goes on its own handshake, never onto the others' or the customers'.
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as http:
        run = Run(spec, base, http)
        if memory_dir:
            heap.baseline(server.process.pid)
            await asyncio.sleep(5.0)  # the snapshot takes a moment; nobody connects meanwhile
        try:
            gate = asyncio.Semaphore(10)  # sign-ins burn argon2 on the server: a few at a time
            await asyncio.gather(*[run.add_agent(i, login, gate) for i, login in enumerate(logins)])
            run.agents.sort(key=lambda agent: agent.index)
            await asyncio.gather(*[run.add_customer(i, gate) for i in range(args.customers)])
            await run.wait_routed(timeout=60)

            idle = await _idle_rates(server, count_dir)
            if recorder:
                await recorder.start()
            run.measures.phase = "chat"
            if profile_dir:
                profiling.restart(server.process.pid)  # the profile is of the chat phase alone
            kinds_before = probes.sql_kinds(count_dir)
            before = (probes.sql_statements(count_dir), probes.pg_counters(database_url),
                      probes.cpu_seconds(server.process.pid), time.perf_counter(), time.process_time())
            await run.chatter(args.seconds, args.rate)
            chatted = time.perf_counter()
            await run.drain(timeout=10)
            await asyncio.sleep(1.0)  # the SQL count files are written twice a second
            after = (probes.sql_statements(count_dir), probes.pg_counters(database_url),
                     probes.cpu_seconds(server.process.pid), chatted, time.process_time())
            kinds = probes.sql_kinds(count_dir)
            kinds.subtract(kinds_before)
            if recorder:
                quiet_pushes = await _quiet_pushes(run, server, count_dir, redis_url, await recorder.stop(), idle)

            if profile_dir:
                profile = profiling.collect(server.process.pid, profile_dir)
            run.measures.phase = "actions"
            await asyncio.gather(run.chatter(args.action_seconds, args.rate),
                                 run.work(args.action_seconds, args.action_rate))
            await asyncio.sleep(1.0)
            rss = [probes.rss_mb(pid) for pid in probes.worker_pids(server.process.pid)]
            if memory_dir:
                memory = heap.collect(server.process.pid, memory_dir, sockets=len(run.agents) + len(run.customers))
        finally:
            await run.close()
    return {**_summary(run, before, after, rss, idle), "profile": profile, "sql_kinds": kinds, "quiet": quiet_pushes,
            "memory": memory}


async def _quiet_pushes(run: Run, server, count_dir: Path, redis_url: str, notices: list[str],
                        idle: tuple[float, float]) -> dict[str, tuple[float, float, int]]:
    """Pushes that change nothing (bench/load/quiet.py): label -> (bytes, SQL statements net of the idle app,
    how many were provoked: notices replayed, or tabs that heard the bus reconnect)."""
    provoked = {"replayed notices": (lambda: quiet.replay(redis_url, notices), len(notices)),
                "bus reconnect": (lambda: quiet.drop_listeners(redis_url), len(run.agents))}
    found = {}
    for label, (provoke, count) in provoked.items():
        await asyncio.sleep(1.0)  # the count files are written twice a second
        run.measures.quiet_bytes[label] = 0
        run.measures.phase = label
        sql, started = probes.sql_statements(count_dir), time.perf_counter()
        await provoke()
        await asyncio.sleep(3.0)  # the workers reconnect within about a second
        elapsed = time.perf_counter() - started
        statements = probes.sql_statements(count_dir) - sql - idle[0] * elapsed
        found[label] = (run.measures.quiet_bytes[label], max(0.0, statements), count)
    run.measures.phase = "quiet"
    return found


async def _idle_rates(server, count_dir: Path, seconds: float = 6.0) -> tuple[float, float]:
    """Statements and CPU seconds per second while everyone is connected and nobody writes: the lifespan loops
    (routing, outbox, bounces, media, inactivity) polling. Taken out of the per-message figures, which would
    otherwise depend on the message rate."""
    await asyncio.sleep(1.0)  # the count files are written twice a second
    sql, cpu, started = probes.sql_statements(count_dir), probes.cpu_seconds(server.process.pid), time.perf_counter()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - started
    return ((probes.sql_statements(count_dir) - sql) / elapsed,
            (probes.cpu_seconds(server.process.pid) - cpu) / elapsed)


def _summary(run: Run, before, after, rss: list[float], idle: tuple[float, float] = (0.0, 0.0)) -> dict:
    m = run.measures
    sent = [i for i, (_, phase) in m.sent.items() if phase == "chat"]
    latencies = [m.delivered[i] for i in sent if i in m.delivered]
    actions = [ms for kind in ("select", "send", "set_tab") for ms in m.actions.get(kind, [])]
    n = max(1, len(latencies))
    per_message = max(1, len(sent))
    pg = None
    if before[1] and after[1]:
        pg = {key: (after[1][key] - before[1][key]) / per_message for key in before[1]}
    return {
        "p1": [_pct(latencies, q) for q in (0.5, 0.95, 0.99)], "delivered": len(latencies), "sent": len(sent),
        "rate": max(0, len(sent) - 1) / (after[3] - before[3]),
        "p2": [_pct(actions, q) for q in (0.5, 0.99)], "p2_n": len(actions),
        "p2_kinds": {kind: _pct(values, 0.5) for kind, values in m.actions.items()},
        "rss": rss, "bytes": m.push_bytes / n, "frames": m.push_frames / n,
        "sql": (after[0] - before[0]) / per_message, "pg": pg,
        "cpu_ms": (after[2] - before[2]) * 1000 / per_message,
        # the same less what the idle app spends in the time (loops polling)
        "sql_net": (after[0] - before[0] - idle[0] * (after[3] - before[3])) / per_message,
        "cpu_net_ms": (after[2] - before[2] - idle[1] * (after[3] - before[3])) * 1000 / per_message,
        "idle_sql_per_s": idle[0], "idle_cpu_pct": idle[1] * 100,
        "driver_ms": (after[4] - before[4]) * 1000 / per_message,
        "acks": [_pct(m.acks, q) for q in (0.5, 0.99)], "failures": m.failures,
    }


def _run_app(spec: AppSpec, args, tmp: Path, database_admin: str | None, redis_url: str | None) -> dict:
    if spec is INBOX and database_admin:
        database_url = fresh_database(tmp, f"{database_admin.rsplit('/', 1)[1]}_inbox", database_admin)
    else:
        database_url = f"sqlite:///{tmp / f'{spec.label}.db'}"  # the bare app never opens it
    flush_redis(redis_url)
    count_dir = tmp / f"sql-{spec.label}"
    count_dir.mkdir()
    workers = args.workers if redis_url else 1
    profile_dir = tmp / "profile" if args.profile and spec is INBOX else None
    memory_dir = tmp / f"memory-{spec.label}" if args.memory else None
    for folder in filter(None, (profile_dir, memory_dir)):
        folder.mkdir()
    # The profiler's and the memory report's shims count SQL too.
    shim = PROFILE_SHIM if profile_dir else heap.SHIM if memory_dir else probes.SQL_COUNT_SHIM
    env = app_env(database_url, redis_url, GRANIAN_WORKERS=str(workers), BENCH_SQL_COUNT_DIR=str(count_dir),
                  BENCH_PROFILE_DIR=str(profile_dir or ""), BENCH_MEMORY_DIR=str(memory_dir or ""),
                  BENCH_SQL_KINDS=os.environ.get("BENCH_SQL_KINDS", ""),
                  PYTHONPATH=os.pathsep.join(filter(None, [str(shim), os.environ.get("PYTHONPATH")])))
    _ARTIFACTS.mkdir(exist_ok=True)
    server_cls = AppServer if spec is INBOX else BareServer
    server = server_cls(spec.workdir, free_port(), env, _ARTIFACTS / f"bench-load-{spec.label}.log")
    started = time.perf_counter()
    server.start()
    print(f"[{spec.label}] up in {time.perf_counter() - started:.0f} s with {workers} worker(s); driving…", flush=True)
    try:
        logins = add_agents(database_url, args.agents) if spec.signs_in else [""] * args.agents
        base = f"http://127.0.0.1:{server.port}"  # loopback only
        return asyncio.run(_drive(spec, base, args, logins, server, count_dir, database_url, profile_dir, redis_url,
                                  memory_dir))
    finally:
        server.stop()


def _fmt(values, digits: int = 0) -> str:
    return " / ".join("-" if v is None else f"{v:.{digits}f}" for v in values)


def _quiet(result: dict, label: str) -> str:
    if label not in result.get("quiet", {}):
        return "-"
    sent, statements, count = result["quiet"][label]
    return f"{sent} B, {statements / max(1, count):.2f} SQL each (n={count})"


def _table(results: dict[str, dict], args, database: str, workers: int) -> str:
    inbox, bare = results.get("inbox"), results.get("bare")
    rows = [("metric", "inbox", "bare", "target (issue)")]

    def row(name, fn, target=""):
        rows.append((name, fn(inbox) if inbox else "-", fn(bare) if bare else "-", target))

    row("P1 push ms p50 / p95 / p99", lambda r: _fmt(r["p1"], 1), "p99 <= 50 ms @ 200 msg/s, 1,000 agents")
    row("P1 delivered / sent", lambda r: f"{r['delivered']} / {r['sent']}", "all")
    row("   achieved rate msg/s", lambda r: f"{r['rate']:.1f}")
    row("P2 action ms p50 / p99", lambda r: _fmt(r["p2"], 1) + f"  (n={r['p2_n']})", "inbox p99 <= 2x bare")
    for kind in ("select", "send", "set_tab"):
        row(f"   {kind} p50 ms", lambda r, k=kind: _fmt([r["p2_kinds"].get(k)], 1))
    row("P5 RSS MB per worker", lambda r: ", ".join(f"{v:.0f}" for v in r["rss"]), "<= 300 MB @ 1,000 agents")
    row("P6 agent delta bytes / message", lambda r: f"{r['bytes']:.0f}", "<= 2 KB")
    row("   agent push frames / message", lambda r: f"{r['frames']:.2f}")
    for label in ("replayed notices", "bus reconnect"):
        row(f"P6 push changing nothing: {label}", lambda r, k=label: _quiet(r, k), "0 B, <= 1 statement each")
    row("P6 SQL statements / message", lambda r: f"{r['sql_net']:.1f}  ({r['sql']:.1f} with idle loops)", "<= 6")
    row("   PG xacts / message", lambda r: f"{(r['pg']['xact_commit'] + r['pg']['xact_rollback']):.1f}"
        if r["pg"] else "-")
    row("   PG rows read / written per msg", lambda r: (
        f"{r['pg']['tup_returned'] + r['pg']['tup_fetched']:.0f} / "
        f"{r['pg']['tup_inserted'] + r['pg']['tup_updated'] + r['pg']['tup_deleted']:.1f}") if r["pg"] else "-")
    row("   app CPU ms / message", lambda r: f"{r['cpu_net_ms']:.1f}  ({r['cpu_ms']:.1f} with idle loops)")
    row("   idle app: SQL/s, CPU %", lambda r: f"{r['idle_sql_per_s']:.1f}, {r['idle_cpu_pct']:.1f} %")
    row("   driver CPU ms / message", lambda r: f"{r['driver_ms']:.1f}")  # it shares the cores with the app
    row("   customer send ack ms p50 / p99", lambda r: _fmt(r["acks"], 1))
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    lines = [f"load: {args.agents} agents, {args.customers} customers, {args.rate:g} msg/s for {args.seconds:g} s, "
             f"then {args.action_rate:g} actions/s for {args.action_seconds:g} s; {database}, {workers} worker(s)"]
    lines += ["  ".join(str(cell).ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10, help="customer messages per second, all together")
    parser.add_argument("--seconds", type=float, default=30, help="length of the chat phase (P1, P6)")
    parser.add_argument("--action-rate", type=float, default=6,
                        help="agent actions per second, all together (P2); 3 per agent cover all three kinds")
    parser.add_argument("--action-seconds", type=float, default=10, help="length of the actions phase")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GRANIAN_WORKERS", 2)))
    parser.add_argument("--apps", default="inbox,bare")
    parser.add_argument("--profile", action="store_true",
                        help="a CPU sampling profiler in each inbox worker during the chat phase; prints where time goes")
    parser.add_argument("--memory", action="store_true",
                        help="tracemalloc in each worker; prints what holds the workers' memory after the run "
                             "(not with --profile; tracing slows the app many times, so the latencies of such a "
                             "run mean nothing)")
    args = parser.parse_args()
    database_admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL")
    specs = {"inbox": INBOX, "bare": BARE}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label in args.apps.split(","):
            results[label] = _run_app(specs[label], args, Path(tmp), database_admin, redis_url)
    database = ("PostgreSQL" if database_admin else "SQLite") + (" + Redis" if redis_url else "")
    print(_table(results, args, database, args.workers if redis_url else 1))
    for label, result in results.items():
        if result.get("sql_kinds"):
            per_message = max(1, result["sent"])
            print(f"[{label}] SQL statements per message in the chat phase, by kind (BENCH_SQL_KINDS=1):")
            for kind, count in result["sql_kinds"].most_common(20):
                if count > 0:
                    print(f"    {count / per_message:6.2f}  {kind}")
        if result.get("memory"):
            print(f"[{label}] {result['memory']}")
        if result.get("profile"):
            print(f"[{label}] where the workers' CPU went in the chat phase:\n{result['profile']}")
        for failure in result["failures"][:5]:
            print(f"[{label}] {failure}")
        if len(result["failures"]) > 5:
            print(f"[{label}] … and {len(result['failures']) - 5} more failures")


if __name__ == "__main__":
    main()
