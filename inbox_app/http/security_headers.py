"""Security headers on every response, who may frame which page, and the websocket's Origin check.

One ASGI middleware around the whole app (pages, static files, the routes beside it, `/_event`):
- every response gets nosniff, a referrer policy, a permissions policy, HSTS under https and a CSP;
- `/chat/{slug}` may be framed by exactly that organization's "Allowed chat origins"; every other page by
  nobody (`frame-ancestors 'none'` and `X-Frame-Options: DENY`);
- a websocket whose Origin is another site is closed before it is accepted, so no event of it ever runs.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inbox_app import runtime
from services import embedding
from services.config import app_origins

_CHAT_PAGE = re.compile(r"^/chat/([^/]+)/?$")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.S | re.I)
_HASH_CACHE_LIMIT = 64  # one entry per built page (and its .gz twin): a handful

# What a Reflex page needs, and nothing more (README, "Security headers"):
# - scripts: our own files, the exact inline bootstrap scripts of the page being served (hashed below), and
#   'unsafe-eval', because Reflex runs client actions sent by the server (rx.scroll_to, call_script) with eval;
# - styles: 'unsafe-inline', because Radix and Emotion write style attributes and <style> tags at run time;
# - connections: our own origin only, which includes the websocket (`/_event`).
_POLICY = ("default-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
           "font-src 'self' data:", "connect-src 'self'", "media-src 'self' blob:", "object-src 'none'",
           "base-uri 'self'", "form-action 'self'", "frame-src 'none'", "worker-src 'self' blob:")
_PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
_HSTS = "max-age=31536000; includeSubDomains"


def frame_ancestors(origins: list[str]) -> str:
    if not origins:
        return "'none'"
    return " ".join(origins)  # `*` or the listed origins, each already normalised when saved


def content_security_policy(ancestors: str, script_hashes: list[str]) -> str:
    scripts = " ".join(["'self'", "'unsafe-eval'", *(f"'sha256-{digest}'" for digest in script_hashes)])
    return "; ".join([*_POLICY, f"script-src {scripts}", f"frame-ancestors {ancestors}"])


def headers_for(*, ancestors: str, framable: bool, https: bool, script_hashes: list[str]) -> list[tuple[str, str]]:
    headers = [("Content-Security-Policy", content_security_policy(ancestors, script_hashes)),
               ("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "strict-origin-when-cross-origin"),
               ("Permissions-Policy", _PERMISSIONS)]
    if not framable:
        headers.append(("X-Frame-Options", "DENY"))
    if https:
        headers.append(("Strict-Transport-Security", _HSTS))
    return headers


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP hashes of the page's inline scripts (React Router's bootstrap), so no other inline script runs."""
    digests = []
    for body in _INLINE_SCRIPT.findall(html):
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if digest not in digests:
            digests.append(digest)
    return digests


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app
        self._hashes: dict[bytes, list[str]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if not _origin_allowed(scope):
                await receive()  # the websocket.connect message; closing now answers the handshake with 403
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _is_navigation(scope):
            scope = _unconditional(scope)
        slug = _chat_slug(scope["path"])
        origins = await _chat_origins(slug) if slug else []
        ancestors, framable = frame_ancestors(origins), bool(origins)
        https = runtime.settings().https
        start: Message | None = None
        held: list[Message] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if message["status"] == 304:  # the cached copy keeps the headers it came with
                    await send(message)
                    start = None
                elif not _is_html(message):
                    await send(_with(message, headers_for(ancestors=ancestors, framable=framable,
                                                          https=https, script_hashes=[])))
                    start = None
                return
            if start is None:
                await send(message)
                return
            # An HTML page is held until its last chunk: its inline scripts' hashes go into its own header.
            held.append(message)
            if message.get("more_body"):
                return
            hashes = self._page_hashes(start, await _body(held))
            # Never reused unasked: a page must always arrive with the frame-ancestors list of today.
            await send(_with(start, [*headers_for(ancestors=ancestors, framable=framable, https=https,
                                                  script_hashes=hashes), ("Cache-Control", "no-cache")]))
            for part in held:
                await send(part)

        await self.app(scope, receive, send_with_headers)

    def _page_hashes(self, start: Message, body: bytes) -> list[str]:
        key = hashlib.sha256(body).digest()
        if key not in self._hashes:
            if len(self._hashes) >= _HASH_CACHE_LIMIT:
                self._hashes.clear()
            html = gzip.decompress(body) if _header(start, b"content-encoding") == b"gzip" else body
            self._hashes[key] = inline_script_hashes(html)
        return self._hashes[key]


async def _body(held: list[Message]) -> bytes:
    """The page's bytes, also when the server sends the file itself (granian's `http.response.pathsend`)."""
    if held and held[-1]["type"] == "http.response.pathsend":
        return await anyio.Path(held[-1]["path"]).read_bytes()
    return b"".join(part.get("body", b"") for part in held)


def _chat_slug(path: str) -> str | None:
    match = _CHAT_PAGE.match(path)
    return match.group(1) if match else None


async def _chat_origins(slug: str) -> list[str]:
    async with runtime.db().read() as session:
        return await embedding.chat_frame_ancestors(session, slug)


def _origin_allowed(scope: Scope) -> bool:
    """Browsers always send Origin on a websocket; a client without one is not a browser holding a victim's
    session, so only a present, foreign Origin is refused (as Reflex's engine.io does with the same list)."""
    origin = _header(scope, b"origin")
    return origin is None or origin.decode("latin-1") in app_origins(runtime.settings().public_base_url)


def _header(scope_or_message, name: bytes) -> bytes | None:
    for key, value in scope_or_message.get("headers", []):
        if key.lower() == name:
            return value
    return None


def _is_navigation(scope: Scope) -> bool:
    destination = _header(scope, b"sec-fetch-dest")
    if destination is not None:
        return destination in (b"document", b"iframe", b"frame")
    return b"text/html" in (_header(scope, b"accept") or b"")


def _unconditional(scope: Scope) -> Scope:
    """A page is always answered in full, never "304 Not Modified": a 304 has no body to hash, and its headers
    would replace the cached page's, so a cached copy could lose its scripts' hashes or keep a frame-ancestors
    list a manager has since shortened. Pages are a few kilobytes; static files still revalidate."""
    dropped = (b"if-none-match", b"if-modified-since")
    return {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() not in dropped]}


def _is_html(start: Message) -> bool:
    return (_header(start, b"content-type") or b"").startswith(b"text/html")


def _with(start: Message, headers: list[tuple[str, str]]) -> Message:
    replaced = {name.lower().encode() for name, _ in headers}
    kept = [(k, v) for k, v in start.get("headers", []) if k.lower() not in replaced]
    return {**start, "headers": kept + [(name.lower().encode(), value.encode()) for name, value in headers]}
