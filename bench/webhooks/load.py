"""An open-loop HTTP/1.1 load generator, cheap enough to share two cores with the server it measures.

Open loop: request i leaves at start + i / rate whatever happened to the earlier ones, and its latency is
counted from that scheduled moment, so a server (or a generator) that falls behind shows as latency instead
of quietly slowing the schedule down. Requests are built and signed before the clock starts; the generator
only writes bytes and reads the answer's status line and Content-Length body over keep-alive connections.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.fakes.twilio_api import inbound_fields, signed

WEBHOOK_PATH = "/webhooks/twilio/messages"
TIMEOUT_SECONDS = 15.0  # Twilio gives up on a webhook after 15 s (and retries)
_MAX_CONNECTIONS = 400  # below Granian's default backpressure (1,024 / workers per worker) and the fd limit


@dataclass
class Outcome:
    """What one batch of requests got back; latencies in ms from each request's scheduled moment."""

    rate: float
    latencies: list[float] = field(default_factory=list)  # answered 200, in schedule order
    answered: list[int] = field(default_factory=list)  # which requests of the batch were answered 200
    errors: dict[str, int] = field(default_factory=dict)  # "status 500", "timeout", "ReadError"…
    late_ms: list[float] = field(default_factory=list)  # how late the generator wrote each request
    seconds: float = 0.0  # first scheduled moment to last answer
    generator_cpu: float = 0.0  # CPU seconds this process spent in the batch

    @property
    def sent(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Requests:
    """Signed inbound-SMS requests, each from its own sender (a new interaction each) with a unique MessageSid."""

    def __init__(self, base_url: str, auth_token: str, account_sid: str, to: str, run_tag: str):
        self.url = base_url.rstrip("/") + WEBHOOK_PATH  # the app's PUBLIC_BASE_URL + path: what Twilio signs
        self.auth_token, self.account_sid, self.to, self.run_tag = auth_token, account_sid, to, run_tag
        self.made = 0
        self.answered: set[str] = set()  # MessageSids the server answered 200 (filled in by the caller)

    def sid(self, n: int) -> str:
        return f"SMbench{self.run_tag}{n:08d}"

    def batch(self, count: int) -> list[bytes]:
        """The next `count` requests; request i of the batch is number `made` (before the call) + i."""
        host = urlsplit(self.url).netloc
        batch = []
        for _ in range(count):
            n = self.made
            self.made += 1
            fields = inbound_fields(sid=self.sid(n), from_=f"+1415{n % 10_000_000:07d}",
                                    to=self.to, body=f"Bench message {n}", account_sid=self.account_sid)
            body, headers = signed(self.auth_token, self.url, fields)
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            batch.append((f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: {host}\r\n{head}"
                          f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
        return batch


class _Pool:
    """Keep-alive connections, opened on demand up to a cap; waiting for one counts as latency."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(_MAX_CONNECTIONS)

    async def take(self):
        await self.slots.acquire()
        if self.idle:
            return self.idle.pop()
        try:
            return await asyncio.open_connection(self.host, self.port)
        except BaseException:
            self.slots.release()
            raise

    def give_back(self, connection, reusable: bool) -> None:
        if reusable:
            self.idle.append(connection)
        else:
            connection[1].close()
        self.slots.release()

    def close(self) -> None:
        for _reader, writer in self.idle:
            writer.close()
        self.idle.clear()


async def _exchange(connection, payload: bytes) -> tuple[int, bool]:
    """Write one request, read its answer; (status, whether the connection may be reused)."""
    reader, writer = connection
    writer.write(payload)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, reusable = 0, True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            reusable = False
    if length:
        await reader.readexactly(length)
    return status, reusable


async def _one(pool: _Pool, payload: bytes, scheduled: float, index: int, outcome: Outcome, answered: list) -> None:
    loop = asyncio.get_running_loop()
    outcome.late_ms.append((loop.time() - scheduled) * 1000)
    connection = None
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            connection = await pool.take()
            status, reusable = await _exchange(connection, payload)
        pool.give_back(connection, reusable)
        if status == 200:
            answered[index] = (loop.time() - scheduled) * 1000
        else:
            outcome.error(f"status {status}")
    except TimeoutError:
        outcome.error("timeout")
        if connection:
            pool.give_back(connection, False)  # an answer may still arrive on it: never reuse
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as failure:
        outcome.error(type(failure).__name__)
        if connection:
            pool.give_back(connection, False)


async def open_loop(base: str, payloads: list[bytes], rate: float) -> Outcome:
    """Send `payloads` at `rate` per second on schedule, wait for every answer (or its timeout)."""
    parts = urlsplit(base)
    pool = _Pool(parts.hostname, parts.port)
    outcome = Outcome(rate)
    answered: list[float | None] = [None] * len(payloads)
    loop = asyncio.get_running_loop()
    cpu = time.process_time()
    start = loop.time() + 0.05
    tasks = []
    for i, payload in enumerate(payloads):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(pool, payload, scheduled, i, outcome, answered)))
    await asyncio.gather(*tasks)
    outcome.seconds = loop.time() - start
    outcome.generator_cpu = time.process_time() - cpu
    outcome.latencies = [ms for ms in answered if ms is not None]
    outcome.answered = [i for i, ms in enumerate(answered) if ms is not None]
    pool.close()
    return outcome


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


KEEPS_UP_P99_MS = 1000.0


def keeps_up(outcome: Outcome) -> bool:
    """Every request answered 200, p99 within a second, and latency not growing: the median of the last quarter
    of the schedule within twice (+ 20 ms) the median of the second quarter. A server that cannot keep up
    queues, and its latency then climbs steadily through the run; the first quarter is left out as warm-up.
    The p99 bound catches a server still working off an earlier backlog, whose latency falls instead."""
    if outcome.errors or not outcome.latencies or percentile(outcome.latencies, 0.99) > KEEPS_UP_P99_MS:
        return False
    quarter = max(1, len(outcome.latencies) // 4)
    early = percentile(outcome.latencies[quarter:2 * quarter], 0.5)
    late = percentile(outcome.latencies[-quarter:], 0.5)
    return late <= 2 * early + 20
