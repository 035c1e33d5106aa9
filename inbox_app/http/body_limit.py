"""Byte limits on request bodies, before any handler reads them: Reflex's `/_upload` has none of its own in
0.10 (rx.upload's limits are the browser's, and any client can post straight to the endpoint), and a webhook
form is a few kilobytes, a chatbot transcript at most 256 KB. A declared Content-Length over the limit is refused before anything is read; a body
without one (chunked) is counted as it arrives and cut off at the limit, so nothing larger ever reaches a
parser or its temporary files."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.attachments.rules import MAX_UPLOAD_BODY
from services.chatbot.transcripts import MAX_BODY_BYTES as CHATBOT_BODY

_REFUSAL = b"The upload is larger than the attachment rules allow."
WEBHOOK_BODY = 64 * 1024  # Twilio's largest form (1,600 characters, ten media URLs) is a few KB
# Path prefixes and their limits; the first that matches applies.
LIMITS = (("/_upload", MAX_UPLOAD_BODY), ("/webhooks/", WEBHOOK_BODY), ("/api/chatbot/", CHATBOT_BODY))


class BodyLimit:
    def __init__(self, app: ASGIApp, limits: tuple[tuple[str, int], ...] = LIMITS):
        self.app, self.limits = app, limits

    def _limit(self, path: str) -> int | None:
        return next((limit for prefix, limit in self.limits if path.startswith(prefix)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is None and _has_header(scope, b"content-length"):
            await _refuse(send, 400, b"Bad Content-Length.")
            return
        if declared is not None and declared > limit:
            await _refuse(send, 413, _refusal(scope, limit))
            return
        over = forwarded = False
        received = 0

        async def counted() -> Message:
            # Past the limit the app is told the client went away: it stops reading, and whatever it answers
            # is replaced by the refusal below.
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal forwarded
            if over and not forwarded:
                return
            forwarded = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not over:
                raise
        if over and not forwarded:
            await _refuse(send, 413, _refusal(scope, limit))


def _has_header(scope: Scope, name: bytes) -> bool:
    return any(key.lower() == name for key, _ in scope.get("headers", []))


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            return int(value) if value.isdigit() and len(value) < 19 else None
    return None


def _refusal(scope: Scope, limit: int) -> bytes:
    path = scope.get("path", "")
    if path.startswith("/api/"):  # an API's callers read a JSON `error`
        return b'{"error": "The body is larger than %d KB."}' % (limit // 1024)
    return _REFUSAL if path.startswith("/_upload") else b"Too large."


async def _refuse(send: Send, status: int, body: bytes) -> None:
    kind = b"application/json" if body.startswith(b"{") else b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
