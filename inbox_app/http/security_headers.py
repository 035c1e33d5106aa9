"""Security headers on every response, who may frame which page, and the websocket's Origin check.

One ASGI middleware around the whole app (pages, static files, the routes beside it, `/_event`):
- every response gets nosniff, a referrer policy, a permissions policy, HSTS under https and a CSP;
- `/chat/{slug}` may be framed by exactly that organization's "Allowed chat origins"; every other page by
  nobody (`frame-ancestors 'none'` and `X-Frame-Options: DENY`);
- a websocket whose Origin is another site is closed before it is accepted, so no event of it ever runs.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inbox_app import runtime
from services import embedding
from services.config import app_origins

_CHAT_PAGE = re.compile(r"^/chat/([^/]+)/?\Z")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.S | re.I)

# What a Reflex page needs, and nothing more (README, "Security headers"):
# - scripts: our own files and the exact inline bootstrap scripts of the pages Reflex built (hashed below). No
#   'unsafe-eval': Reflex runs client actions a handler returns (rx.scroll_to, rx.call_script) with eval, so
#   handlers never return one (the conversation scrolls by CSS, the panel's keys move focus in the browser);
# - styles: 'unsafe-inline', because Radix and Emotion write style attributes and <style> tags at run time;
# - connections: our own origin only, which includes the websocket (`/_event`);
# - frames: our own origin only, for an email's original (a sandboxed page with its own policy).
_POLICY = ("default-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
           "font-src 'self' data:", "connect-src 'self'", "media-src 'self' blob:", "object-src 'none'",
           "base-uri 'self'", "form-action 'self'", "frame-src 'self'", "worker-src 'self' blob:")
_PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
_HSTS = "max-age=31536000; includeSubDomains"


def frame_ancestors(origins: list[str]) -> str:
    if not origins:
        return "'none'"
    return " ".join(origins)  # `*` or the listed origins, each already normalised when saved


def content_security_policy(ancestors: str, script_hashes: list[str]) -> str:
    scripts = " ".join(["'self'", *(f"'sha256-{digest}'" for digest in script_hashes)])
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
    """CSP hashes of a page's inline scripts (React Router's bootstrap, the colour-mode script)."""
    digests = []
    for body in _INLINE_SCRIPT.findall(html):
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if digest not in digests:
            digests.append(digest)
    return digests


class SecurityHeaders:
    def __init__(self, app: ASGIApp, pages: Path | None = None):
        self.app = app
        self._pages = pages  # the built frontend; Reflex's build folder unless a test names another
        self._hashes: list[str] | None = None

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

        async def send_with_headers(message: Message) -> None:
            if message["type"] != "http.response.start" or message["status"] == 304:
                await send(message)  # a 304 keeps the headers its cached copy came with
                return
            html = _is_html(message)
            headers = headers_for(ancestors=ancestors, framable=framable, https=https,
                                  script_hashes=self._script_hashes() if html else [])
            if _own_policy(message):  # a route that wrote its own policy (an email's original) keeps it whole,
                own = {name.lower() for name, _ in message.get("headers", [])}  # with every header it set
                headers = [(name, value) for name, value in headers if name.lower().encode() not in own]
                html = False
            # A page is never reused unasked: it must always arrive with today's frame-ancestors list.
            await send(_with(message, [*headers, ("Cache-Control", "no-cache")] if html else headers))

        await self.app(scope, receive, send_with_headers)

    def _script_hashes(self) -> list[str]:
        """The inline scripts of the pages Reflex built, read once per worker: only these may run inline, so
        a script injected into any HTML answer, built or not, is refused."""
        if self._hashes is None:
            self._hashes = built_page_hashes(self._pages or _build_folder())
        return self._hashes


def built_page_hashes(folder: Path) -> list[str]:
    digests: list[str] = []
    for page in sorted(folder.rglob("*.html")) if folder.is_dir() else []:
        digests += [digest for digest in inline_script_hashes(page.read_bytes()) if digest not in digests]
    return digests


def _build_folder() -> Path:
    from reflex.utils import prerequisites
    from reflex_base import constants
    from reflex_base.config import get_config

    return prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")


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


def _own_policy(start: Message) -> bool:
    """A route that sets its own Content-Security-Policy has weighed every header of that answer itself."""
    return any(name.lower() == b"content-security-policy" for name, _ in start.get("headers", []))


def _with(start: Message, headers: list[tuple[str, str]]) -> Message:
    replaced = {name.lower().encode() for name, _ in headers}
    kept = [(k, v) for k, v in start.get("headers", []) if k.lower() not in replaced]
    return {**start, "headers": kept + [(name.lower().encode(), value.encode()) for name, value in headers]}
