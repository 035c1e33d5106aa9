"""The session cookie: set and cleared only by HTTP responses, so no page script can read it (HttpOnly)."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from services.auth import SESSION_LIFETIME

SESSION_COOKIE = "inbox_session"


def session_token(cookie_header: str) -> str:
    """The session token in a Cookie header, or "" (a malformed header is no session)."""
    if not cookie_header:
        return ""
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return ""
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel else ""


def set_session(response, token: str, *, secure: bool) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), path="/",
                        httponly=True, samesite="strict", secure=secure)


def clear_session(response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=secure)
