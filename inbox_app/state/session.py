"""Sign-in state. Identity is derived on the server from the session cookie for every event.

The cookie is HttpOnly: it is set by the sign-in route (inbox_app/http/session_routes.py) and reaches
the server on the websocket's handshake, where Reflex keeps it server-side (`router.headers.cookie`,
never sent to the browser). No page script can read it, and no event can set it.
"""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.http.cookies import session_token
from services import auth, presence
from services.auth import Identity

# What /login?error=… shows: fixed texts only, so a crafted link cannot put words on the sign-in page.
_SIGN_IN_ERRORS = {
    "invalid": auth.INVALID_SIGN_IN,
    "locked": "Too many failed sign-ins. Try again in {wait} seconds.",
    "rate": "Too many sign-in attempts from this network. Try again in {wait} seconds.",
}


def sign_in_message(reason: str, wait: str) -> str:
    template = _SIGN_IN_ERRORS.get(reason, "")
    seconds = int(wait) if wait.isdigit() and 0 < int(wait) <= 3600 else 60
    return template.format(wait=seconds)


class SessionState(rx.State):
    display_name: str = ""
    role: str = ""
    available: bool = False
    sign_in_error: str = ""
    # This connection's identity, re-checked with one indexed query per event (auth.current_identity).
    _signed_in_as: auth.SessionIdentity | None = None

    def _session_token(self) -> str:
        return session_token(self.router.headers.cookie)

    async def _identity(self) -> Identity | None:
        """The signed-in user: a revoked or expired session, or changed grants, are seen at once."""
        async with runtime.db().read() as session:
            current = await auth.current_identity(session, token=self._session_token(),
                                                  secret_key=runtime.settings().secret_key, clock=runtime.clock,
                                                  cached=self._signed_in_as)
        if current is not self._signed_in_as:
            self._signed_in_as = current
        return current.identity if current else None

    async def _load_identity(self) -> Identity | None:
        identity = await self._identity()
        if identity is not None:
            await self._show_signed_in(identity)
        return identity

    async def _show_signed_in(self, identity: Identity) -> None:
        """The header's name, role and availability toggle."""
        self.display_name, self.role = identity.display_name, identity.role
        await self._follow_presence(identity)

    async def _follow_presence(self, identity: Identity) -> None:
        """Available or not, as set in this user's other tabs (or by signing in or out elsewhere)."""
        async with runtime.db().read() as session:
            available = await presence.is_available(session, identity=identity)
        if self.available != available:
            self.available = available

    @rx.event
    async def require_sign_in(self):
        if await self._load_identity() is None:
            return rx.redirect("/login", replace=True)

    @rx.event
    async def route_index(self):
        target = "/inbox" if await self._identity() is not None else "/login"
        return rx.redirect(target, replace=True)

    @rx.event
    async def login_page_load(self):
        params = self.router.page.params
        self.sign_in_error = sign_in_message(str(params.get("error", ""))[:16], str(params.get("wait", ""))[:8])
        if await self._identity() is not None:
            return rx.redirect("/inbox", replace=True)

    @rx.event
    async def toggle_availability(self):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        async with runtime.db().transaction() as session:
            # Becoming Available wakes the routing loop after the commit (events.QUEUE_MOVED).
            self.available = await presence.set_available(session, identity=identity,
                                                          available=not self.available, clock=runtime.clock)
