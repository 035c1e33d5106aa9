"""Twilio's webhooks: inbound SMS and WhatsApp, and delivery status callbacks.

Thin, as handlers are: check the signature (against PUBLIC_BASE_URL + path, never the request's
own Host or X-Forwarded-* headers), call one service, answer fast. No cookie is needed or read: the signature
is the authentication. A bad or missing signature gets 403 and nothing is stored.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from inbox_app import runtime
from services.channels import delivery_status, inbound, inbound_loop, twilio_signature

_log = logging.getLogger(__name__)
_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _signed_form(request: Request) -> dict | Response:
    """The posted fields when Twilio signed them; otherwise the response that refuses the request. The body's
    size was limited before it got here (body_limit.py: declared or chunked)."""
    form = await request.form(max_files=0, max_fields=200)
    fields = {key: form.getlist(key) if len(form.getlist(key)) > 1 else form[key] for key in form.keys()}
    settings = runtime.settings()
    url = twilio_signature.signed_url(settings.public_base_url, request.url.path, request.url.query)
    if not twilio_signature.is_valid(auth_token=settings.twilio_auth_token, url=url, params=fields,
                                     signature=request.headers.get("x-twilio-signature")):
        _log.warning("refused a Twilio webhook to %s: bad or missing signature", request.url.path)
        return PlainTextResponse("Invalid signature.", status_code=403)
    return {key: value if isinstance(value, str) else value[0] for key, value in fields.items()}


async def messages(request: Request):
    """POST /webhooks/twilio/messages: an inbound SMS or WhatsApp message. It is staged in one statement (which
    also drops a retry of a MessageSid already staged) and Twilio gets an empty TwiML answer at once (no
    auto-reply); this worker's inbound loop, woken here, stores it, and its media is fetched afterwards."""
    fields = await _signed_form(request)
    if isinstance(fields, Response):
        return fields
    if await inbound.stage(runtime.db(), fields=fields, clock=runtime.clock, settings=runtime.settings()) \
            == inbound.STAGED:
        inbound_loop.wake()
    return Response(_EMPTY_TWIML, media_type="application/xml")


async def status(request: Request):
    """POST /webhooks/twilio/status: a delivery status callback; a status never moves backwards."""
    fields = await _signed_form(request)
    if isinstance(fields, Response):
        return fields
    async with runtime.db().transaction() as session:
        await delivery_status.record(session, sid=fields.get("MessageSid", ""), status=fields.get("MessageStatus", ""),
                                     error_code=fields.get("ErrorCode", ""), at=runtime.clock())
    return Response(status_code=204)
