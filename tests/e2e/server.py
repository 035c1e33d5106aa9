"""Start the built app for end-to-end tests: once per run, against the test PostgreSQL and Redis."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
# Another checkout of the project can run its own suite beside this one under another name.
_E2E_DB = os.environ.get("E2E_DATABASE_NAME", "inbox_e2e")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(tmp: Path, name: str = _E2E_DB, admin: str | None = None) -> str:
    """An empty database: PostgreSQL `name` beside the admin URL (TEST_DATABASE_URL), else a SQLite file."""
    admin = admin or os.environ.get("TEST_DATABASE_URL")
    if not admin:
        return f"sqlite:///{tmp / f'{name}.db'}"
    engine = create_engine(admin.replace("postgresql://", "postgresql+psycopg2://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return admin.rsplit("/", 1)[0] + f"/{name}"


def flush_redis(url: str | None) -> None:
    if url:
        import redis

        redis.from_url(url).flushdb()


def app_env(database_url: str, redis_url: str | None, **extra: str) -> dict:
    # The whole suite signs in and starts chats from 127.0.0.1: the per-address limits are tested on their own.
    env = {**os.environ, "DATABASE_URL": database_url, "INBOX_DEMO": "1", "REFLEX_USE_SYSTEM_BUN": "1",
           "RATE_LIMIT_SIGN_INS": "1000", "RATE_LIMIT_CHAT_STARTS": "1000",
           "RATE_LIMIT_ORGANIZATION_CHAT_STARTS": "100000",
           "INBOX_SECRET_KEY": "e2e-secret", "PATH": f"{ROOT / '.tools/bun/node_modules/.bin'}:{ROOT / '.venv/bin'}:"
                                                      f"{os.environ['PATH']}", **extra}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
        # Several workers, as in production, but no more than the machine's two cores: Reflex's default (five)
        # makes the first events of a run wait on workers still starting up.
        env.setdefault("GRANIAN_WORKERS", "2")
    return env


class AppServer:
    migrate = True  # run services.bootstrap (migrations, demo data) before starting
    ready_path = "/login"  # a page that answers once the app is up

    def __init__(self, workdir: Path, port: int, env: dict, log: Path):
        self.url, self.workdir, self.port, self.log = f"http://localhost:{port}", workdir, port, log
        # The app accepts websockets only from its own pages: it must know the address the browser uses.
        self.env = {**env, "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or self.url}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 300) -> "AppServer":
        if self.migrate:
            subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "services.bootstrap"], cwd=self.workdir,
                           env=self.env, check=True, capture_output=True)
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/reflex"), "run", "--env", "prod", "--single-port", "--frontend-port", str(self.port),
             "--loglevel", "info"],
            cwd=self.workdir, env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited early; see {self.log}:\n{self.log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/ping", timeout=1)
                urllib.request.urlopen(f"{self.url}{self.ready_path}", timeout=5)
                return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the app did not answer within {timeout}s; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)


def second_checkout(tmp: Path) -> Path:
    """A copy of the project for a second backend process: its frontend build is baked with its own port."""
    target = tmp / "worker2"
    ignore = shutil.ignore_patterns(".git", ".venv", ".tools", "node_modules", "build", "test-artifacts", "*.db",
                                    "__pycache__", "var")
    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)
    modules = ROOT / ".web" / "node_modules"
    if modules.exists():
        subprocess.run(["cp", "-al", str(modules), str(target / ".web" / "node_modules")], check=True)
    return target
