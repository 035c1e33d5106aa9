"""`GET /emails/{message_id}/original`: a customer's email as written, for the inbox's sandboxed frame.

Only to a signed-in agent whose screens show the message (the session cookie); everything refused gets the same
404. A sandboxed page sends no cookie, so its "Load remote images" link is signed for the message
(original.py). The page carries its own policy (services/channels/email/original.py): a sandbox, no script, framed by the
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
    settings, now = runtime.settings(), runtime.clock()
    expires, signature = request.query_params.get("expires", "")[:16], request.query_params.get("signature", "")[:64]
    signed = bool(signature) and original.images_link_holds(settings.secret_key, message_id=message_id,
                                                             expires=expires, signature=signature, now=now)
    images = signed or request.query_params.get("images") == "1"
    identity = None if signed else await requests.agent_identity(request)
    try:
        async with runtime.db().read() as session:
            if signed:  # the frame's own request: no cookie reaches it (original.py says why)
                record = await original.with_images(session, message_id=message_id)
            else:
                record = await original.for_agent(session, identity=identity, message_id=message_id)
    except NotFound:
        return requests.not_found()
    link = original.images_link(settings.secret_key, message_id=message_id, now=now)
    return HTMLResponse(original.page(record, images=images, images_link=link), headers={
        "Content-Security-Policy": original.content_security_policy(images=images),
        "X-Frame-Options": "SAMEORIGIN", "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",  # a remote picture, once asked for, learns nothing of the inbox
        "Cache-Control": "private, no-store"})
