"""The HTTP routes as production serves them: inside the body limits and the security headers."""

from __future__ import annotations

import httpx
import pytest

from inbox_app.http import routes
from inbox_app.http.body_limit import BodyLimit
from inbox_app.http.security_headers import SecurityHeaders
from services import auth
from tests.state.support import SECRET


def served():
    return SecurityHeaders(BodyLimit(routes()))


async def agent_cookie(db, login: str, clock) -> dict:
    """The headers of a request from `login`'s signed-in browser (the test agents' password is "pw")."""
    async with db.transaction() as session:
        result = await auth.sign_in(session, login=login, password="pw", secret_key=SECRET, clock=clock)
    return {"cookie": f"inbox_session={result.token}"}


@pytest.fixture
async def client(wired):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served()), base_url="http://inbox.test") as http:
        yield http
