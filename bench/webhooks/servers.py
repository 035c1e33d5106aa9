"""The two servers bench.webhooks measures, started the same way on the same machine, and what the inbox
stored afterwards."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.load import probes
from services.db import sync_url
from tests.e2e.server import ROOT, AppServer, app_env, flush_redis, free_port, fresh_database

ACCOUNT_SID, AUTH_TOKEN = "ACbench", "bench-token"
SMS_NUMBER = "+15005550006"  # the demo gives Sophia's the number in TWILIO_SMS_FROM
ARTIFACTS = ROOT / "test-artifacts"
PROFILE_SHIM = Path(__file__).resolve().parent / "profile"  # a sitecustomize.py: cProfile in each worker


class BareServer(AppServer):
    """bench/webhooks/bare.py under Granian with the same defaults Reflex's production run uses (ASGI)."""

    def __init__(self, port: int, env: dict, log: Path):
        super().__init__(ROOT, port, {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}, log)

    def start(self, timeout: float = 60) -> "BareServer":
        workers = self.env.get("GRANIAN_WORKERS", "1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "granian", "--interface", "asgi", "--workers", workers, "--host", "127.0.0.1",
             "--port", str(self.port), "bench.webhooks.bare:app"],
            cwd=ROOT, env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        _wait_until_up(self, timeout)
        return self


def _wait_until_up(server: AppServer, timeout: float) -> None:
    import time
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited early; see {server.log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/ping", timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not answer within {timeout}s; see {server.log}")


def _pythonpath(*shims: Path) -> str:
    return os.pathsep.join(filter(None, [*map(str, shims), os.environ.get("PYTHONPATH")]))


def start_inbox(tmp: Path, database_admin: str | None, redis_url: str | None, workers: int,
                profile_dir: Path | None = None) -> tuple[AppServer, str, Path]:
    """The built inbox (`reflex run --env prod`, Granian workers) on a fresh database with the demo data and a
    Twilio account; returns the server, its database URL and the directory its SQL counts go to."""
    if database_admin:
        database_url = fresh_database(tmp, f"{database_admin.rsplit('/', 1)[1]}_webhooks", database_admin)
    else:
        database_url = f"sqlite:///{tmp / 'webhooks.db'}"
    flush_redis(redis_url)
    count_dir = tmp / "sql-inbox"
    count_dir.mkdir(exist_ok=True)
    port = free_port()
    # PUBLIC_BASE_URL is exactly the address posted to, so the signature is checked over the URL signed.
    # TWILIO_API_BASE points at a closed port: the benchmark never sends, and nothing may reach Twilio.
    shims = [PROFILE_SHIM] if profile_dir else [probes.SQL_COUNT_SHIM]
    env = app_env(database_url, redis_url, GRANIAN_WORKERS=str(workers), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
                  TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_SMS_FROM=SMS_NUMBER,
                  TWILIO_API_BASE="http://127.0.0.1:9", ATTACHMENTS_DIR=str(tmp / "attachments"),
                  BENCH_SQL_COUNT_DIR=str(count_dir), BENCH_PROFILE_DIR=str(profile_dir or ""),
                  PYTHONPATH=_pythonpath(*shims))
    ARTIFACTS.mkdir(exist_ok=True)
    server = AppServer(ROOT, port, env, ARTIFACTS / "bench-webhooks-inbox.log")
    server.start()
    return server, database_url, count_dir


def start_bare(workers: int) -> BareServer:
    ARTIFACTS.mkdir(exist_ok=True)
    env = {**os.environ, "GRANIAN_WORKERS": str(workers), "PYTHONPATH": _pythonpath(ROOT)}
    return BareServer(free_port(), env, ARTIFACTS / "bench-webhooks-bare.log").start()


@dataclasses.dataclass(frozen=True)
class Stored:
    rows: int  # message rows with the run's MessageSids
    distinct: int  # distinct MessageSids among them: fewer than rows means one was stored twice
    lost: int  # answered 200 but not stored
    interactions: int  # interactions they joined or opened


def stored_messages(database_url: str, run_tag: str, answered: set[str]) -> Stored:
    """What the benchmark's webhooks stored, checked against the MessageSids the app answered 200."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT provider_id, interaction_id FROM message WHERE provider_id LIKE :tag"),
                                {"tag": f"SMbench{run_tag}%"}).all()
    finally:
        engine.dispose()
    sids = {sid for sid, _ in rows}
    return Stored(rows=len(rows), distinct=len(sids), lost=len(answered - sids),
                  interactions=len({interaction for _, interaction in rows}))


def staging_lag(database_url: str, sids: set[str], wait: float = 120.0) -> list[float]:
    """Milliseconds from staging (the webhook's answer) to stored (the inbound loop's commit) for these
    MessageSids, waiting up to `wait` seconds for the last of them; [-1.0] when some are still not stored."""
    import time

    engine = create_engine(sync_url(database_url))
    deadline = time.monotonic() + wait
    try:
        while True:
            with engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT message_sid, status, received_at, processed_at FROM inboundmessage "
                    "WHERE message_sid = ANY(:sids)" if database_url.startswith("postgresql") else
                    "SELECT message_sid, status, received_at, processed_at FROM inboundmessage"),
                    {"sids": sorted(sids)} if database_url.startswith("postgresql") else {}).all()
            rows = [row for row in rows if row[0] in sids]
            if all(row[1] != "pending" for row in rows) or time.monotonic() > deadline:
                break
            time.sleep(0.25)
    finally:
        engine.dispose()
    if any(row[1] == "pending" for row in rows):
        return [-1.0]
    return sorted((_aware(row[3]) - _aware(row[2])).total_seconds() * 1000 for row in rows if row[3] is not None)


def _aware(moment):
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
