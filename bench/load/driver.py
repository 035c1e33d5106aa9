"""Agents and customers as protocol clients, and what they measure.

Phase "chat" (P1, P6, SQL): customers write at a fixed total rate; agents only listen. Phase "actions" (P2):
customers keep writing at the same rate while agents select, send and switch tabs at a fixed total rate.
Every loop is bounded by a count or a deadline.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from importlib.metadata import version

import aiohttp

from bench.load.apps import AppSpec, sign_in
from bench.load.sio import ReflexSocket

_MESSAGE_ID = re.compile(r"m(\d{7})z")  # in every customer message: one search finds which ones a frame carries
_CUSTOMER = re.compile(r"Bench C(\d{4})")
_EVENT_PREFIX_LEN = len('42/_event,')
_REFLEX_VERSION = version("reflex")  # the frontend sends it as the websocket subprotocol


def _delta(text: str) -> dict:
    return json.loads(text[_EVENT_PREFIX_LEN:])[1].get("delta") or {}


@dataclass
class Measures:
    sent: dict[int, tuple[float, str]] = field(default_factory=dict)  # message id -> (sent at, phase)
    delivered: dict[int, float] = field(default_factory=dict)  # message id -> ms until an agent's socket had it
    push_frames: int = 0  # agent frames in the chat phase that answered none of the agent's own actions
    push_bytes: int = 0
    quiet_bytes: dict[str, int] = field(default_factory=dict)  # phase -> agent push bytes (bench/load/quiet.py)
    actions: dict[str, list[float]] = field(default_factory=dict)  # kind -> round trips in ms (actions phase)
    acks: list[float] = field(default_factory=list)  # customer send -> its own delta (ms)
    failures: list[str] = field(default_factory=list)
    phase: str = "setup"


class Agent:
    def __init__(self, run: "Run", index: int):
        self.run, self.index = run, index
        self.socket: ReflexSocket | None = None
        self.rows: dict[int, int] = {}  # interaction id -> customer index
        self.selected = 0
        self.busy = asyncio.Lock()  # one round trip at a time on this socket, so its marker is unambiguous
        self.working = False  # inside next_action (a send is two round trips)
        self.step = 0

    def on_frame(self, text: str, now: float, answered: bool) -> None:
        run = self.run
        run.agent_frame(text, now, answered)
        if '"rows_rx_state_"' in text:
            rows = _delta(text).get(run.spec.agent_state, {}).get("rows_rx_state_") or []
            for row in rows:
                if row["interaction_id"] not in self.rows and (found := _CUSTOMER.search(row["customer_name"])):
                    self.rows[row["interaction_id"]] = int(found.group(1))
                    run.routed.add(int(found.group(1)))
                    run.spawn(self.select(row["interaction_id"]))  # agents open what arrives

    async def act(self, kind: str, handler: str, payload: dict, marker: str) -> None:
        run = self.run
        async with self.busy:
            try:
                ms = await self.socket.call(run.spec.event(run.spec.agent_state, handler), payload, "/inbox", {},
                                            f'"{marker}_rx_state_"')
            except (asyncio.TimeoutError, aiohttp.ClientError, ConnectionError) as error:
                run.measures.failures.append(f"agent {self.index} {kind}: {error!r}")
                return
        if run.measures.phase == "actions":
            run.measures.actions.setdefault(kind, []).append(ms)

    async def select(self, interaction_id: int) -> None:
        self.selected = interaction_id
        await self.act("select", "select", {"interaction_id": interaction_id}, "selected_id")

    async def next_action(self) -> None:
        """select → send → set_tab, again and again: the last clears the selection the next one restores."""
        kind = ("select", "send", "set_tab")[self.step % 3]
        self.step += 1
        self.working = True
        try:
            if kind == "select" and self.rows:
                await self.select(self.selected or next(iter(self.rows)))
            elif kind == "send":
                await self.act("set_draft", "set_draft", {"value": f"agent reply {self.step}"}, "draft")
                await self.act("send", "send", {}, "notice")
            else:
                await self.act("set_tab", "set_tab", {"tab": "active"}, "tab")
        finally:
            self.working = False


class Customer:
    def __init__(self, run: "Run", index: int):
        self.run, self.index = run, index
        self.socket: ReflexSocket | None = None
        self.chat_tokens = ""  # the browser's LocalStorage copy, sent with Send as the page does
        self.stage = ""
        self.unacked: list[float] = []
        self.turn = asyncio.Lock()  # set_draft and send of one message leave back to back

    def on_frame(self, text: str, now: float, answered: bool) -> None:
        if '"chat_tokens_rx_state_"' in text or '"stage_rx_state_"' in text:
            mine = _delta(text).get(self.run.spec.chat_state, {})
            self.chat_tokens = mine.get("chat_tokens_rx_state_", self.chat_tokens)
            self.stage = mine.get("stage_rx_state_", self.stage)
        if '"error_rx_state_"' in text and self.unacked:  # send sets draft and error; set_draft only draft
            self.run.measures.acks.append((now - self.unacked.pop(0)) * 1000)

    async def say(self, message_id: int) -> None:
        spec, m = self.run.spec, self.run.measures
        query = {"org_slug": "sophias"}
        async with self.turn:
            try:
                await self.socket.emit(spec.event(spec.chat_state, "set_draft"),
                                       {"value": f"hello m{message_id:07d}z from C{self.index:04d}"},
                                       "/chat/sophias", query)
                # Recorded before it leaves: sending may yield to the reader, and no answer may beat its entry.
                m.sent[message_id] = (time.perf_counter(), m.phase)
                self.unacked.append(m.sent[message_id][0])
                await self.socket.emit(spec.event(spec.chat_state, "send"), {"browser_tokens": self.chat_tokens},
                                       "/chat/sophias", query)
            except (aiohttp.ClientError, ConnectionError) as error:
                m.failures.append(f"customer {self.index}: {error!r}")


class Run:
    def __init__(self, spec: AppSpec, base: str, http: aiohttp.ClientSession):
        self.spec, self.base, self.http = spec, base, http
        self.ws_base = base.replace("http://", "ws://")
        self.schema, self.hashes = spec.frontend_hashes()
        self.measures = Measures()
        self.agents: list[Agent] = []
        self.customers: list[Customer] = []
        self.routed: set[int] = set()
        self._tasks: set[asyncio.Task] = set()
        self._next_message = 0

    def spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def agent_frame(self, text: str, now: float, answered: bool) -> None:
        m = self.measures
        if m.phase == "chat" and not answered:
            m.push_frames += 1
            m.push_bytes += len(text.encode())
        elif m.phase in m.quiet_bytes and not answered:
            m.quiet_bytes[m.phase] += len(text.encode())
        for found in _MESSAGE_ID.finditer(text):
            message_id = int(found.group(1))
            if message_id not in m.delivered and message_id in m.sent:
                m.delivered[message_id] = (now - m.sent[message_id][0]) * 1000

    async def _socket(self, path: str, query: dict, cookie: str, on_frame) -> ReflexSocket:
        socket = ReflexSocket(self.http, self.ws_base, str(uuid.uuid4()), cookie=cookie, version=_REFLEX_VERSION,
                              on_frame=on_frame)
        await socket.connect(path, query, schema=self.schema, hashes=self.hashes)
        return socket

    async def add_agent(self, index: int, login: str, gate: asyncio.Semaphore) -> None:
        agent = Agent(self, index)
        async with gate:
            cookie = await sign_in(self.http, self.base, login) if self.spec.signs_in else ""
            # Hydrating /inbox runs the page's on_load (InboxState.on_load) on the server, as a browser's does.
            agent.socket = await self._socket("/inbox", {}, cookie, agent.on_frame)
            await agent.socket.call(self.spec.availability_event, {}, "/inbox", {}, '"available_rx_state_":true')
        self.agents.append(agent)

    async def add_customer(self, index: int, gate: asyncio.Semaphore) -> None:
        customer = Customer(self, index)
        query = {"org_slug": "sophias"}
        async with gate:
            customer.socket = await self._socket("/chat/sophias", query, "", customer.on_frame)
            # The bare app has no routing: the driver pairs it with an agent (the inbox ignores these fields).
            agent = self.agents[index % len(self.agents)]
            form = {"first_name": "Bench", "last_name": f"C{index:04d}", "email": f"bench{index}@example.com",
                    "phone": "", "agent_token": agent.socket.token, "ref": index + 1}
            await customer.socket.call(self.spec.event(self.spec.chat_state, "start_chat"), {"form_data": form},
                                       "/chat/sophias", query, '"stage_rx_state_":"chatting"')
        self.customers.append(customer)

    async def wait_routed(self, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while len(self.routed) < len(self.customers) and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)
        while self._tasks and time.perf_counter() < deadline:  # the agents' selects of what arrived
            await asyncio.sleep(0.1)
        if len(self.routed) < len(self.customers):
            self.measures.failures.append(f"only {len(self.routed)} of {len(self.customers)} chats reached an agent")

    async def chatter(self, seconds: float, rate: float) -> None:
        """Open loop: message k leaves at start + k/rate, whatever happened to the ones before."""
        start = time.perf_counter()
        for k in range(int(seconds * rate)):
            delay = start + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            customer = self.customers[self._next_message % len(self.customers)]
            self._next_message += 1
            self.spawn(customer.say(self._next_message))

    async def work(self, seconds: float, rate: float) -> None:
        """Agents act at a fixed total rate; an agent still busy with its last action skips its turn."""
        start, turn = time.perf_counter(), 0
        for k in range(int(seconds * rate)):
            delay = start + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            agent = self.agents[turn % len(self.agents)]
            turn += 1
            if not agent.working and not agent.busy.locked():
                self.spawn(agent.next_action())

    async def drain(self, timeout: float) -> None:
        """Wait for the chat phase's messages to arrive (bounded)."""
        deadline = time.perf_counter() + timeout
        wanted = {i for i, (_, phase) in self.measures.sent.items() if phase == "chat"}
        while time.perf_counter() < deadline and not wanted <= self.measures.delivered.keys():
            await asyncio.sleep(0.1)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for client in [*self.agents, *self.customers]:
            if client.socket is not None:
                await client.socket.close()
