"""Sign-in and sign-out over HTTP: the session cookie is HttpOnly and SameSite=Strict, attempts are limited
per client address, and another site can neither sign someone in nor out."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from inbox_app import runtime
from tests.http.support import served
from services.config import load_settings
from services.models import AuthSession
from tests.services.factories import make_agent, make_org
from tests.state.support import SECRET

BASE = "http://inbox.test"


@pytest.fixture
async def client(wired):
    await make_agent(wired, "alice", [await make_org(wired)])
    transport = httpx.ASGITransport(app=served(), client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


def _sign_in(client, password: str = "pw", user: str = "alice", **headers):
    return client.post("/auth/sign-in", data={"user_id": user, "password": password}, headers=headers)


async def _sessions(db) -> int:
    async with db.read() as session:
        return len((await session.exec(select(AuthSession))).all())


async def test_signing_in_sets_an_http_only_strict_cookie_and_goes_to_the_inbox(client, wired):
    response = await _sign_in(client, origin=BASE)
    assert response.status_code == 303 and response.headers["location"] == "/inbox"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("inbox_session=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie and "Path=/" in cookie
    assert await _sessions(wired) == 1


async def test_the_cookie_is_secure_when_the_public_url_is_https(client, monkeypatch):
    settings = load_settings({"INBOX_SECRET_KEY": SECRET, "DATABASE_URL": runtime.db().url,
                              "PUBLIC_BASE_URL": "https://inbox.example.com"})
    monkeypatch.setattr(runtime, "settings", lambda: settings)
    response = await _sign_in(client)
    assert "Secure" in response.headers["set-cookie"]


async def test_the_cookie_is_secure_when_the_request_came_over_https(wired):
    await make_agent(wired, "alice", [await make_org(wired)])
    transport = httpx.ASGITransport(app=served(), client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://inbox.example.com") as http:
        response = await _sign_in(http)
    assert response.headers["location"] == "/inbox" and "Secure" in response.headers["set-cookie"]


async def test_a_wrong_password_goes_back_to_the_login_page_without_a_cookie(client, wired):
    response = await _sign_in(client, password="wrong")
    assert response.headers["location"] == "/login?error=invalid"
    assert "set-cookie" not in response.headers and await _sessions(wired) == 0


async def test_another_site_cannot_sign_anyone_in_or_out(client, wired):
    assert (await _sign_in(client, origin="https://evil.example")).status_code == 403
    assert (await _sign_in(client, origin="null")).status_code == 403
    assert await _sessions(wired) == 0
    token = (await _sign_in(client)).cookies["inbox_session"]
    client.cookies.set("inbox_session", token)
    response = await client.post("/auth/sign-out", headers={"origin": "https://evil.example"})
    assert response.status_code == 403 and await _sessions(wired) == 1


async def test_sign_ins_are_limited_per_client_address_with_a_clear_wait(client, wired, clock):
    for n in range(20):  # guessing across user IDs, so no single user's lock is what stops it
        assert (await _sign_in(client, user=f"guess-{n}")).headers["location"] == "/login?error=invalid"
    clock.advance(seconds=15)
    refused = await _sign_in(client)  # even the right password waits: the address is hammering
    assert refused.headers["location"] == "/login?error=rate&wait=45"
    assert await _sessions(wired) == 0
    clock.advance(seconds=45)  # a new minute
    assert (await _sign_in(client)).headers["location"] == "/inbox"


async def test_signing_out_ends_the_session_and_clears_the_cookie(client, wired):
    token = (await _sign_in(client)).cookies["inbox_session"]
    client.cookies.set("inbox_session", token)
    response = await client.post("/auth/sign-out", headers={"origin": BASE})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert 'inbox_session=""' in response.headers["set-cookie"] and "Max-Age=0" in response.headers["set-cookie"]
    assert await _sessions(wired) == 0


@pytest.mark.parametrize("reason, wait, shown", [
    ("invalid", "", "Invalid user ID or password"),
    ("locked", "42", "Too many failed sign-ins. Try again in 42 seconds."),
    ("rate", "9999999", "Too many sign-in attempts from this network. Try again in 60 seconds."),
    ("<script>alert(1)</script>", "", ""),
])
def test_the_login_page_shows_only_its_own_texts(reason, wait, shown):
    from inbox_app.state.session import sign_in_message

    assert sign_in_message(reason, wait) == shown
