"""The built app, page by page: every response carries the security headers, only the Live Chat may be framed,
and a websocket opened from another site runs no event."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import urllib.error
import urllib.request
import uuid
from importlib.metadata import version

import aiohttp
import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from bench.load.sio import ReflexSocket
from inbox_app.http import routes
from services.db import sync_url
from services.models import User

# The demo's organizations allow any site (`*`) to frame their chat; everything else is never framed.
_FRAMABLE = {"/chat/sophias/": "*", "/chat/janes/": "*"}
_AVAILABILITY = ("reflex___state____state.inbox_app___state___session____session_state.toggle_availability")


def _pages() -> list[str]:
    """Every page the app registers, so a page added later is checked without editing this test."""
    from inbox_app.inbox_app import app

    paths = []
    for route in app._unevaluated_pages:
        path = "/" if route == "index" else "/" + route.replace("[org_slug]", "sophias") + "/"
        paths.append(path)
        if "[org_slug]" in route:
            paths.append(path.replace("sophias", "janes"))
    return paths


def _endpoints() -> list[tuple[str, str]]:
    ours = [(method, route.path) for route in routes().routes for method in sorted(route.methods - {"HEAD"})]
    reflex = [("GET", "/ping"), ("GET", "/_health"), ("GET", "/_event/"), ("GET", "/no-such-page/"),
              ("GET", "/favicon.ico")]
    return ours + reflex


def _fetch(base_url: str, method: str, path: str):
    request = urllib.request.Request(base_url + path, method=method, data=b"" if method == "POST" else None)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as answer:  # 3xx, 4xx and 5xx carry the headers too
        return answer.code, answer.headers, answer.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _asset(base_url: str) -> str:
    """A script the login page loads: static files get the headers as pages do."""
    _, _, body = _fetch(base_url, "GET", "/login/")
    return re.search(rb'href="(/assets/[^"]+\.js)"', body).group(1).decode()  # its modulepreload links


@pytest.mark.parametrize(("method", "path"), [("GET", page) for page in _pages()] + _endpoints() + [("GET", "asset")])
def test_every_page_and_endpoint_carries_the_security_headers(base_url, method, path):
    path = _asset(base_url) if path == "asset" else path
    status, headers, _ = _fetch(base_url, method, path)
    assert status < 500, (path, status)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=(), microphone=(), geolocation=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # the suite runs over plain http
    policy = dict(part.split(" ", 1) for part in headers["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"]
    if path in _FRAMABLE:
        assert policy["frame-ancestors"] == _FRAMABLE[path] and "X-Frame-Options" not in headers
    else:
        assert policy["frame-ancestors"] == "'none'" and headers["X-Frame-Options"] == "DENY"


def test_the_pages_list_covers_the_inbox_and_the_managers_pages():
    assert {"/login/", "/inbox/", "/routing/", "/outbox/", "/settings/organizations/"} <= set(_pages())


def _available(database_url: str, login: str) -> bool:
    engine = create_engine(sync_url(database_url))
    with Session(engine) as session:
        available = session.exec(select(User.available).where(User.user_id == login)).one()
    engine.dispose()
    return available


async def _toggle_availability(base_url: str, origin: str) -> str:
    """Sign in as bob over HTTP, then press his availability toggle over a websocket sent with this Origin."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with http.post(f"{base_url}/auth/sign-in", data={"user_id": "bob", "password": "demo-pass"},
                             allow_redirects=False) as answer:
            cookie = f"inbox_session={answer.cookies['inbox_session'].value}"
        socket = ReflexSocket(http, base_url.replace("http", "ws", 1), str(uuid.uuid4()), cookie=cookie,
                              version=version("reflex"))
        try:
            await socket.connect("/inbox", {}, origin=origin, timeout=20)
        except aiohttp.WSServerHandshakeError as refused:
            return f"refused {refused.status}"
        try:
            await socket.call(_AVAILABILITY, {}, "/inbox", {}, '"available_rx_state_":', timeout=20)
        finally:
            await socket.close()
        return "ran"


def _run(coroutine):
    # Playwright's sync API owns this thread's event loop; the socket client runs on a loop of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_websocket_opened_from_another_site_runs_no_event(base_url, e2e_database):
    assert not _available(e2e_database, "bob")
    assert _run(_toggle_availability(base_url, "http://evil.example")) == "refused 403"
    assert not _available(e2e_database, "bob")  # the handler never ran
    # The same client from the app's own page: the toggle runs.
    assert _run(_toggle_availability(base_url, base_url)) == "ran"
    assert _available(e2e_database, "bob")
    _set_unavailable(e2e_database, "bob")  # every test signs in to an Unavailable agent


def _set_unavailable(database_url: str, login: str) -> None:
    engine = create_engine(sync_url(database_url))
    with Session(engine) as session:
        user = session.exec(select(User).where(User.user_id == login)).one()
        user.available = False
        session.add(user)
        session.commit()
    engine.dispose()
