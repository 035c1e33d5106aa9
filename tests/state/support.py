"""Builds the real Reflex states for handler tests, as a connection with a given session cookie would."""

from __future__ import annotations

import uuid

import reflex as rx
from reflex.istate.data import RouterData

from inbox_app.http.cookies import SESSION_COOKIE

SECRET = "state-test-secret"


async def state_for(cls, token: str = "", client_token: str = ""):
    """A fresh state tree as a new tab with this session cookie would have it (its own client token, so
    nothing a worker remembers about another test's tab applies to it)."""
    client_token = client_token or f"tab-{uuid.uuid4()}"
    root = rx.State(_reflex_internal_init=True)
    cookie = f"{SESSION_COOKIE}={token}" if token else ""
    root.router = RouterData.from_router_data({
        "headers": {"cookie": cookie}, "token": client_token, "sid": f"sid-{client_token}", "pathname": "/inbox",
    })
    return await root.get_state(cls)
