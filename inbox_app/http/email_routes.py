"""`GET /emails/{message_id}/original`: a customer's email as written, for the inbox's sandboxed frame.

Only to a signed-in agent whose screens show the message (the session cookie); everything refused gets the same
404, checked on every request: `?images=1` (the inbox's `Load remote images`, which navigates the frame from
the inbox page, so the SameSite=Strict cookie goes with it) shows the remote pictures too. The page carries its own policy (services/channels/email/original.py): a sandbox, no script, framed by the
inbox only, remote pictures only with `?images=1`. The app-wide middleware leaves a page's own policy alone.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from inbox_app import runtime
from inbox_app.http import requests
from services.channels.email import original
from services.errors import NotFound

async def original_email(request: Request) -> Response:
    message_id = int(request.path_params["message_id"])
    if message_id > requests.LARGEST_ID:
        return requests.not_found()
    images = request.query_params.get("images") == "1"
    identity = await requests.agent_identity(request)
    try:
        async with runtime.db().read() as session:
            record = await original.for_agent(session, identity=identity, message_id=message_id)
    except NotFound:
        return requests.not_found()
    return HTMLResponse(original.page(record, images=images), headers={
        "Content-Security-Policy": original.content_security_policy(images=images),
        "X-Frame-Options": "SAMEORIGIN", "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",  # a remote picture, once asked for, learns nothing of the inbox
        "Cache-Control": "private, no-store"})
