"""Send-to-screen latency: from a customer's Send in the Live Chat to the text on the agent's screen.

Runs the built app once per size (SQLite by default; set BENCH_DATABASE_URL to a PostgreSQL URL, whose server
gets a fresh database per size, and BENCH_REDIS_URL for Redis and several workers), signs in one agent, then measures with 1 and with 50 concurrent conversations. Prints median and p95.
With several conversations the agent sees each message in the Interaction Panel's last-sentence column;
with one, in the open conversation.

    make bench          # or: .venv/bin/python -m bench.chat_latency --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright, expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.server import ROOT, AppServer, app_env, flush_redis, free_port, fresh_database
from services.db import sync_url


def _cpu_seconds(backend_pgid: int) -> tuple[float, float]:
    """CPU seconds used so far by the app's process group and by all Chromium processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    backend = browsers = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            comm = stat.with_name("comm").read_text().strip()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if int(fields[2]) == backend_pgid:
            backend += used
        elif comm.startswith("chrom"):
            browsers += used
    return backend, browsers


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


async def _start_chat(browser, url: str, n: int):
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{url}/chat/sophias")
    await page.get_by_label("First name").fill("Bench")
    await page.get_by_label("Last name").fill(f"Customer{n:02d}")
    await page.get_by_label("Email").fill(f"bench{n}@example.com")
    await page.get_by_role("button", name="Start chat").click()
    await expect(page.get_by_test_id("message-box")).to_be_visible()
    return page


async def _one_send(customer, agent_target, body: str) -> float:
    await customer.get_by_test_id("message-box").fill(body)
    started = time.perf_counter()
    await customer.get_by_role("button", name="Send").click()
    # wait_for polls every animation frame; expect() backs off to 1 s between polls and would add that to the figure.
    await agent_target(body).wait_for(state="visible", timeout=30000)
    return (time.perf_counter() - started) * 1000


async def _measure(url: str, conversations: int, rounds: int, backend_pgid: int) -> tuple[list[float], tuple]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        agent = await (await browser.new_context(viewport={"width": 1360, "height": 2400})).new_page()
        await agent.goto(f"{url}/login")
        await agent.get_by_label("User ID").fill("alice")
        await agent.get_by_label("Password").fill("demo-pass")
        await agent.get_by_role("button", name="Sign in").click()
        await agent.wait_for_url("**/inbox**")
        await agent.get_by_test_id("availability").click()
        await expect(agent.get_by_test_id("availability")).to_have_text("Available")
        customers = [await _start_chat(browser, url, n) for n in range(conversations)]
        await expect(agent.get_by_test_id("interaction-row")).to_have_count(conversations, timeout=60000)
        if conversations == 1:
            await agent.get_by_test_id("interaction-row").first.click()
            target = lambda body: agent.get_by_test_id("conversation").get_by_text(body, exact=True)  # noqa: E731
        else:
            target = lambda body: agent.get_by_test_id("last-sentence").get_by_text(body, exact=True)  # noqa: E731
        samples: list[float] = []
        before = _cpu_seconds(backend_pgid)
        for r in range(rounds):
            samples += await asyncio.gather(*[_one_send(c, target, f"bench round {r} from {i}.")
                                              for i, c in enumerate(customers)])
        after = _cpu_seconds(backend_pgid)
        await browser.close()
        return samples, (after[0] - before[0], after[1] - before[1])


def _raise_capacity(database_url: str) -> None:
    """The demo agents hold 5 chats each; the 50-conversation run needs one agent with room for all."""
    engine = create_engine(sync_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE agentcapacity SET capacity = 100 WHERE channel = 'chat'"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="1,50")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            admin = os.environ.get("BENCH_DATABASE_URL")
            database_url = (fresh_database(Path(tmp), f"inbox_bench_{size}", admin) if admin
                            else f"sqlite:///{Path(tmp) / f'bench{size}.db'}")
            redis_url = os.environ.get("BENCH_REDIS_URL")
            flush_redis(redis_url)
            server = AppServer(ROOT, free_port(), app_env(database_url, redis_url), Path(tmp) / "app.log")
            server.start()
            try:
                _raise_capacity(database_url)
                samples, cpu = asyncio.run(_measure(server.url, size, args.rounds, server.process.pid))
            finally:
                server.stop()
            print(f"{size:>3} concurrent conversation(s): n={len(samples):>4}  median {statistics.median(samples):7.1f} ms"
                  f"  p95 {_p95(samples):7.1f} ms  max {max(samples):7.1f} ms   CPU s: app {cpu[0]:6.1f}"
                  f"  Chromium {cpu[1]:6.1f}")


if __name__ == "__main__":
    main()
