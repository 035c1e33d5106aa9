"""The security-headers middleware on its own: who may frame which page, the script hashes of a page, HSTS under
https, and the websocket's Origin check. The built app is checked page by page in tests/e2e/test_headers.py."""

from __future__ import annotations

import base64
import hashlib
import tempfile
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from inbox_app import runtime
from inbox_app.http.security_headers import SecurityHeaders
from services.config import load_settings
from services.models import Organization
from tests.services.factories import make_org
from tests.state.support import SECRET

_BOOT = b'window.__ctx = {"ssr": false};'
_PAGE = b"<html><head><script>" + _BOOT + b'</script><script type="module" src="/assets/a.js"></script></head></html>'
_INJECTED = b"alert(document.cookie)"  # what an HTML answer built from untrusted text could carry


def _sha(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"


def _built(folder: Path) -> Path:
    """A stand-in for Reflex's build folder: one page with its inline bootstrap script."""
    (folder / "inbox.html").write_bytes(_PAGE)
    return folder


def _inner(sockets: list):
    async def page(request):
        return HTMLResponse(_PAGE)

    async def tampered(request):  # HTML the build never made, with a script in it
        return HTMLResponse(_PAGE.replace(_BOOT, _INJECTED))

    async def script(request):
        return PlainTextResponse("export {}", media_type="text/javascript")

    async def socket(websocket: WebSocket):
        sockets.append(websocket.headers.get("origin"))  # proof that the app behind the check ran
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    return Starlette(routes=[Route("/inbox", page), Route("/chat/{slug}", page), Route("/login", page),
                             Route("/search", tampered), Route("/assets/a.js", script),
                             WebSocketRoute("/_event/", socket)])


def _settings(monkeypatch, public_base_url: str):
    settings = load_settings({"INBOX_SECRET_KEY": SECRET, "DATABASE_URL": "sqlite://",
                              "PUBLIC_BASE_URL": public_base_url})
    monkeypatch.setattr(runtime, "settings", lambda: settings)


@pytest.fixture
async def http(wired, tmp_path):
    sophias = await make_org(wired)
    await make_org(wired, "janes", "Jane's")
    async with wired.transaction() as session:
        (await session.get(Organization, sophias.id)).allowed_chat_origins = \
            "https://shop.example\nhttp://127.0.0.1:8090"
    transport = httpx.ASGITransport(app=SecurityHeaders(_inner([]), pages=_built(tmp_path)))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as client:
        yield client


def _policy(response) -> dict[str, str]:
    parts = response.headers["content-security-policy"].split("; ")
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in parts}


async def test_the_chat_is_framed_by_exactly_its_organizations_sites(http):
    response = await http.get("/chat/sophias")
    assert _policy(response)["frame-ancestors"] == "https://shop.example http://127.0.0.1:8090"
    assert "x-frame-options" not in response.headers  # it would refuse the allowed sites in older browsers


@pytest.mark.parametrize("path", ["/chat/janes", "/chat/nobody", "/inbox", "/login", "/assets/a.js"])
async def test_every_other_page_can_never_be_framed(http, path):
    response = await http.get(path)
    assert _policy(response)["frame-ancestors"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/chat/sophias", "/inbox", "/login", "/assets/a.js"])
async def test_every_response_carries_the_security_headers(http, path):
    response = await http.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert {"camera=()", "microphone=()", "geolocation=()"} <= set(response.headers["permissions-policy"].split(", "))
    policy = _policy(response)
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'" and policy["connect-src"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "strict-transport-security" not in response.headers  # plain http: HSTS would be ignored anyway


@pytest.mark.parametrize("path", ["/inbox", "/chat/sophias"])
async def test_a_page_allows_exactly_the_inline_scripts_of_the_built_pages(http, path):
    response = await http.get(path)
    assert response.content == _PAGE  # the body passes through untouched
    assert _policy(response)["script-src"].split() == ["'self'", _sha(_BOOT)]
    assert response.headers["cache-control"] == "no-cache"


async def test_a_script_the_build_never_made_is_not_allowed_even_in_html_we_serve(http):
    response = await http.get("/search")
    assert _INJECTED in response.content and _sha(_INJECTED) not in response.headers["content-security-policy"]


async def test_non_pages_get_no_script_hashes(http):
    assert "sha256" not in (await http.get("/assets/a.js")).headers["content-security-policy"]


async def test_hsts_is_sent_when_the_app_is_reached_over_https(wired, monkeypatch, tmp_path):
    _settings(monkeypatch, "https://inbox.example")
    transport = httpx.ASGITransport(app=SecurityHeaders(_inner([]), pages=tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="https://inbox.example") as client:
        response = await client.get("/inbox")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_a_websocket_from_another_site_is_refused_before_the_app_sees_it(monkeypatch):
    _settings(monkeypatch, "http://localhost:3000")
    sockets: list = []
    client = TestClient(SecurityHeaders(_inner(sockets)))
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/_event/", headers={"origin": "http://evil.example"}):
            pass
    assert refused.value.code == 1008 and sockets == []
    for origin in ("http://localhost:3000", "http://127.0.0.1:3000"):  # our own pages, by either loopback name
        with client.websocket_connect("/_event/", headers={"origin": origin}) as ws:
            assert ws.receive_text() == "hello"
    assert sockets == ["http://localhost:3000", "http://127.0.0.1:3000"]


async def test_a_page_is_always_answered_in_full_so_its_policy_is_current(wired):
    """A browser revalidating a cached page would get "304 Not Modified" and keep the old frame-ancestors list
    (or lose the scripts' hashes, since a 304 has no body): pages are answered in full instead."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "inbox.html").write_bytes(_PAGE)
        (Path(folder) / "a.js").write_bytes(b"export {}")
        transport = httpx.ASGITransport(app=SecurityHeaders(StaticFiles(directory=folder), pages=Path(folder)))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as client:
            first = await client.get("/inbox.html", headers={"sec-fetch-dest": "iframe"})
            again = await client.get("/inbox.html", headers={"sec-fetch-dest": "iframe",
                                                             "if-none-match": first.headers["etag"]})
            script = await client.get("/a.js")
            script_again = await client.get("/a.js", headers={"if-none-match": script.headers["etag"]})
    assert again.status_code == 200 and _sha(_BOOT) in again.headers["content-security-policy"]
    assert again.headers["cache-control"] == "no-cache"  # and never reused without asking
    assert script_again.status_code == 304 and "content-security-policy" not in script_again.headers
