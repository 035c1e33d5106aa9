"""A minimal Reflex client: Engine.IO 4 / Socket.IO 5 text frames over one aiohttp websocket.

What the compiled frontend does (.web/utils/state.js, reflex/app.py EventNamespace), and so what this does:
- GET ws://host/_event/?EIO=4&transport=websocket&token=<uuid>: the token is chosen by the client (a uuid
  kept in sessionStorage) and names the tab's state. Sec-WebSocket-Protocol carries the Reflex version.
- The Socket.IO *namespace* is "/_event" too: socket.io-client takes it from the URL's path, so every packet
  is prefixed "/_event,". A bare "40" connects to "/" and is accepted, but no handler ever answers there.
- The CONNECT packet's auth payload carries the first event (`hydrate_and_load`) and the state schema, so
  the server hydrates without waiting for the connect acknowledgement.
- Events go up as 42/_event,["event",{name, payload, router_data}]; deltas come down the same way as
  {"delta": {state path: {var_rx_state_: value}}, "events": [...]}. The server pings ("2"); we answer "3".
Raw frames are kept as text: the benchmark counts their bytes and searches them without parsing.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Callable

import aiohttp

NAMESPACE = "/_event"
_EVENT_PREFIX = f"42{NAMESPACE},"
HYDRATE = "reflex___state____state.hydrate_and_load"
Handler = Callable[[str, float, bool], None]  # (frame text, perf_counter at receipt, answered a waiter)


class ReflexSocket:
    def __init__(self, http: aiohttp.ClientSession, base: str, token: str, *, cookie: str = "",
                 version: str = "", on_frame: Handler | None = None):
        self.http, self.base, self.token, self.cookie, self.version = http, base, token, cookie, version
        self.on_frame = on_frame
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.frames = self.bytes = 0
        # marker substrings -> futures: the first frame containing the marker answers an action
        self._waiters: list[tuple[str, asyncio.Future]] = []
        self._reader: asyncio.Task | None = None
        self._connected: asyncio.Future | None = None

    async def connect(self, path: str, query: dict, *, schema: str = "", hashes: list[str] | None = None,
                      timeout: float = 30, origin: str = "") -> None:
        """`origin`: the page the socket claims to come from, as a browser sends it; none by default."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if origin:
            headers["Origin"] = origin
        self.ws = await self.http.ws_connect(
            f"{self.base}{NAMESPACE}/?EIO=4&transport=websocket&token={self.token}", headers=headers,
            # The server pings (Engine.IO "2"); aiohttp's own heartbeat is not needed. Hydrates can be large.
            protocols=(self.version,) if self.version else (), heartbeat=None,
            timeout=aiohttp.ClientWSTimeout(ws_close=5), max_msg_size=0)
        opened = await self.ws.receive(timeout=timeout)
        if not str(opened.data).startswith("0"):
            raise RuntimeError(f"no Engine.IO open packet: {opened.data!r}")
        payload: dict = {} if hashes is None else {"hashes": hashes}
        auth = {"event": {"name": HYDRATE, "payload": payload, "router_data": self.router(path, query)}}
        if schema:
            auth["state_schema"] = schema
        hydrated = self.wait_for('"is_hydrated_rx_state_":true')
        self._connected = asyncio.get_running_loop().create_future()
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await self.ws.send_str(f"40{NAMESPACE}," + json.dumps(auth))
        await asyncio.wait_for(self._connected, timeout)
        await asyncio.wait_for(hydrated, timeout)

    @staticmethod
    def router(path: str, query: dict) -> dict:
        """What withRouterData() adds: React Router's path and params (a dynamic segment is a query key)."""
        data = {"pathname": path, "asPath": path}
        if query:
            data["query"] = query
        return data

    def wait_for(self, marker: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((marker, future))
        return future

    async def emit(self, name: str, payload: dict, path: str, query: dict) -> float:
        """Send one event; returns the perf_counter time just before it left."""
        frame = _EVENT_PREFIX + json.dumps(["event", {"name": name, "payload": payload,
                                                      "router_data": self.router(path, query)}])
        sent = time.perf_counter()
        await self.ws.send_str(frame)
        return sent

    async def call(self, name: str, payload: dict, path: str, query: dict, marker: str,
                   timeout: float = 30) -> float:
        """An action's round trip in ms: from sending to the first frame containing `marker`."""
        answered = self.wait_for(marker)
        sent = await self.emit(name, payload, path, query)
        try:
            return (await asyncio.wait_for(answered, timeout) - sent) * 1000
        finally:
            self._waiters = [(m, f) for m, f in self._waiters if f is not answered]

    async def _read(self) -> None:
        ws = self.ws
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            text = message.data
            if text == "2":  # Engine.IO ping: answer, or the server drops us after pingTimeout
                await ws.send_str("3")
                continue
            if not text.startswith(_EVENT_PREFIX):
                if text.startswith(f"40{NAMESPACE}") and not self._connected.done():
                    self._connected.set_result(None)
                elif text.startswith(f"44{NAMESPACE}") and not self._connected.done():
                    self._connected.set_exception(RuntimeError(f"connect refused: {text[:300]}"))
                continue
            now = time.perf_counter()
            self.frames += 1
            self.bytes += len(text.encode())
            answered = False
            for marker, future in list(self._waiters):
                if not future.done() and marker in text:
                    future.set_result(now)
                    self._waiters.remove((marker, future))
                    answered = True
                    break
            if self.on_frame is not None:
                self.on_frame(text, now, answered)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
