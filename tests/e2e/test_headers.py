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
from services.models import CHANNELS, AuditEvent, Organization

# The demo's organizations allow any site (`*`) to frame their chat; everything else is never framed.
_FRAMABLE = {"/chat/sophias/": "*", "/chat/janes/": "*"}


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
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    if path in _FRAMABLE:
        assert policy["frame-ancestors"] == _FRAMABLE[path] and "X-Frame-Options" not in headers
    else:
        assert policy["frame-ancestors"] == "'none'" and headers["X-Frame-Options"] == "DENY"


def test_the_pages_list_covers_the_inbox_and_the_managers_pages():
    assert {"/login/", "/inbox/", "/routing/", "/outbox/", "/settings/organizations/"} <= set(_pages())


def _settings_saves(database_url: str) -> int:
    """How many times organization settings were saved: the audit trail of the handler the socket calls."""
    engine = create_engine(sync_url(database_url))
    with Session(engine) as session:
        saves = len(session.exec(select(AuditEvent.id).where(AuditEvent.kind == "organization.settings_changed")).all())
    engine.dispose()
    return saves


def _sophias_form(database_url: str) -> dict:
    """Sophia's settings as they are: saving them again changes nothing but leaves an audit event."""
    engine = create_engine(sync_url(database_url))
    with Session(engine) as session:
        org = session.exec(select(Organization).where(Organization.slug == "sophias")).one()
        form = {"organization_id": str(org.id), "appease_limit": f"{org.appease_limit_cents / 100:.2f}",
                "allowed_chat_origins": org.allowed_chat_origins, "sms_number": org.sms_number or "",
                "whatsapp_number": org.whatsapp_number or "", "opens_at": org.opens_at, "closes_at": org.closes_at,
                "timezone": org.timezone, "chat_inactivity_minutes": str(org.chat_inactivity_minutes),
                **{f"sop_{channel}": str(getattr(org, f"sop_{channel}_seconds")) for channel in CHANNELS},
                **({"sms_otp_enabled": "on"} if org.sms_otp_enabled else {}),
                **({"require_expiring_chat_links": "on"} if org.require_expiring_chat_links else {})}
    engine.dispose()
    return form


async def _save_settings(base_url: str, origin: str, form: dict) -> str:
    """Sign in as maria over HTTP, then press `Save Sophia's` over a websocket sent with this Origin."""
    from inbox_app.state.organization_settings import OrganizationSettingsState

    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with http.post(f"{base_url}/auth/sign-in", data={"user_id": "maria", "password": "demo-pass"},
                             allow_redirects=False) as answer:
            cookie = f"inbox_session={answer.cookies['inbox_session'].value}"
        socket = ReflexSocket(http, base_url.replace("http", "ws", 1), str(uuid.uuid4()), cookie=cookie,
                              version=version("reflex"))
        page = "/settings/organizations"
        try:
            await socket.connect(page, {}, origin=origin, timeout=20)
        except aiohttp.WSServerHandshakeError as refused:
            return f"refused {refused.status}"
        try:
            await socket.call(f"{OrganizationSettingsState.get_full_name()}.save", {"form_data": form}, page, {},
                              "Saved Sophia", timeout=20)
        finally:
            await socket.close()
        return "ran"


def _run(coroutine):
    # Playwright's sync API owns this thread's event loop; the socket client runs on a loop of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_websocket_opened_from_another_site_runs_no_event(base_url, e2e_database):
    form, saves = _sophias_form(e2e_database), _settings_saves(e2e_database)
    assert _run(_save_settings(base_url, "http://evil.example", form)) == "refused 403"
    assert _settings_saves(e2e_database) == saves  # the handler never ran
    # The same client from the app's own page: the handler runs (and saves the same values again).
    assert _run(_save_settings(base_url, base_url, form)) == "ran"
    assert _settings_saves(e2e_database) == saves + 1
    assert _sophias_form(e2e_database) == form
