"""Sign-in state. Identity is derived on the server from the session cookie for every event."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from services import auth, presence
from services.auth import Identity

SESSION_COOKIE = "inbox_session"


class SessionState(rx.State):
    session_token: str = rx.Cookie("", name=SESSION_COOKIE, same_site="strict", max_age=12 * 3600)
    display_name: str = ""
    role: str = ""
    available: bool = False
    sign_in_error: str = ""
    signing_in: bool = False

    async def _identity(self) -> Identity | None:
        """The signed-in user, looked up afresh: a revoked or expired session stops working at once."""
        async with runtime.db().read() as session:
            return await auth.identity_for_token(session, token=self.session_token,
                                                 secret_key=runtime.settings().secret_key, clock=runtime.clock)

    async def _load_identity(self) -> Identity | None:
        identity = await self._identity()
        if identity is not None:
            self.display_name, self.role = identity.display_name, identity.role
            async with runtime.db().read() as session:
                self.available = await presence.is_available(session, identity=identity)
        return identity

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
        self.sign_in_error = ""
        if await self._identity() is not None:
            return rx.redirect("/inbox", replace=True)

    @rx.event
    async def sign_in(self, form_data: dict):
        login = str(form_data.get("user_id", ""))[:64]
        password = str(form_data.get("password", ""))[:256]
        async with runtime.db().transaction() as session:
            result = await auth.sign_in(session, login=login, password=password,
                                        secret_key=runtime.settings().secret_key, clock=runtime.clock)
        if result.error:
            self.sign_in_error = result.error
            return
        self.sign_in_error = ""
        self.session_token = result.token
        return rx.redirect("/inbox", replace=True)

    @rx.event
    async def sign_out(self):
        if self.session_token:
            async with runtime.db().transaction() as session:
                await auth.sign_out(session, token=self.session_token,
                                    secret_key=runtime.settings().secret_key, clock=runtime.clock)
        self.session_token = ""
        self.display_name, self.role, self.available = "", "", False
        return [rx.remove_cookie(SESSION_COOKIE), rx.redirect("/login", replace=True)]

    @rx.event
    async def toggle_availability(self):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        async with runtime.db().transaction() as session:
            self.available = await presence.set_available(session, identity=identity,
                                                          available=not self.available, clock=runtime.clock)
        if self.available:
            return SessionState.drain_queue

    @rx.event(background=True)
    async def drain_queue(self):
        """Becoming Available lets waiting interactions flow in; done outside the state lock."""
        from services import routing

        await routing.drain_queue(runtime.db(), clock=runtime.clock)
