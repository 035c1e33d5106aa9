"""Sign-in and sign-out over plain HTTP form posts, so the session cookie is HttpOnly and SameSite=Strict.

The login page posts its form here; the answer is a redirect: to /inbox with the cookie set, or back to
/login with a short reason code the page turns into a message (never text taken from the URL).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse

from inbox_app import runtime
from inbox_app.http import cookies
from inbox_app.http.requests import client_address, same_origin
from services import auth, rate_limit

_FIELD_LIMITS = {"user_id": 64, "password": 256}


def _back_to_login(reason: str, wait: int = 0) -> RedirectResponse:
    query = f"?error={reason}" + (f"&wait={wait}" if wait else "")
    return RedirectResponse(f"/login{query}", status_code=303)


async def sign_in(request: Request):
    settings = runtime.settings()
    if not same_origin(request, settings.public_base_url):
        return PlainTextResponse("Sign-in from another site is refused.", status_code=403)
    form = await request.form(max_files=0, max_fields=8, max_part_size=4096)  # two short fields, no uploads
    login, password = (str(form.get(name, ""))[:limit] for name, limit in _FIELD_LIMITS.items())
    async with runtime.db().transaction() as session:
        verdict = await rate_limit.hit(session, key=f"sign-in:{client_address(request)}",
                                       limit=settings.rate_limit_sign_ins, clock=runtime.clock)
    if not verdict.allowed:
        return _back_to_login("rate", verdict.retry_after_seconds)
    async with runtime.db().transaction() as session:
        result = await auth.sign_in(session, login=login, password=password, secret_key=settings.secret_key,
                                    clock=runtime.clock)
    if result.error:
        return _back_to_login(*_reason(result.error))
    response = RedirectResponse("/inbox", status_code=303)
    cookies.set_session(response, result.token, secure=_secure(request, settings))
    return response


def _secure(request: Request, settings) -> bool:
    """Secure under https, whether PUBLIC_BASE_URL says so or the request itself arrived over TLS: a
    deployment that forgot to set PUBLIC_BASE_URL still never sends the cookie in clear."""
    return settings.https or request.url.scheme == "https"


def _reason(error: str) -> tuple[str, int]:
    if error == auth.INVALID_SIGN_IN:
        return "invalid", 0
    digits = "".join(ch for ch in error if ch.isdigit())
    return "locked", int(digits or 60)


async def sign_out(request: Request):
    settings = runtime.settings()
    if not same_origin(request, settings.public_base_url):
        return PlainTextResponse("Sign-out from another site is refused.", status_code=403)
    token = cookies.session_token(request.headers.get("cookie", ""))
    if token:
        async with runtime.db().transaction() as session:
            await auth.sign_out(session, token=token, secret_key=settings.secret_key, clock=runtime.clock)
    response = RedirectResponse("/login", status_code=303)
    cookies.clear_session(response, secure=_secure(request, settings))
    return response
