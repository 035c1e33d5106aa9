"""What the routes need to know about a request: where it comes from, and whether it is our own page's."""

from __future__ import annotations

from urllib.parse import urlsplit

from reflex.config import get_config
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from inbox_app import runtime
from inbox_app.http import cookies
from services import auth
from services.auth import Identity

LARGEST_ID = 2**31 - 1  # an integer column: a larger id names no row (and must not reach the database)


async def agent_identity(request: Request) -> Identity | None:
    """The signed-in agent of a plain GET (a file, an email's original): the session cookie, checked as an
    event checks it."""
    token = cookies.session_token(request.headers.get("cookie", ""))
    if not token:
        return None
    async with runtime.db().read() as session:
        return await auth.identity_for_token(session, token=token, secret_key=runtime.settings().secret_key,
                                             clock=runtime.clock)


def not_found() -> Response:
    """One answer for everything refused: a foreign id looks exactly like a missing one."""
    return PlainTextResponse("Not found.", status_code=404, headers={"Cache-Control": "no-store"})


def client_address(request: Request) -> str:
    """The peer, or the address a trusted proxy chain reports (Reflex's `trusted_proxy_hops`)."""
    address = request.client.host if request.client else "unknown"
    hops = get_config().trusted_proxy_hops
    if hops:
        forwarded = [ip.strip() for ip in request.headers.get("x-forwarded-for", "").split(",") if ip.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return address


def same_origin(request: Request, public_base_url: str) -> bool:
    """A form post from our own page. Browsers send Origin on every POST; a missing one is a non-browser
    client (curl, tests), which has no victim's cookie to abuse. Another site's Origin is refused: that is
    login CSRF, or signing someone out from another tab."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    own = {_origin(public_base_url), f"{request.url.scheme}://{request.url.netloc}"}
    return origin in own


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
