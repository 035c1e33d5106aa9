"""`GET /attachments/{id}/{name}` and `GET /attachments/{id}/thumbnail`: an attachment, to an agent signed in
who may see its interaction (the session cookie), or to a holder of a signed link (the customer's chat,
Twilio). The type is the one inspection found, never sniffed (nosniff), and a text file is never a page;
the app-wide security headers (security_headers.py) apply as to every answer."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from inbox_app import runtime
from inbox_app.http import requests
from services.attachments import serving
from services.errors import NotFound


def _disposition(served: serving.Served) -> str:
    how = "attachment" if served.download else "inline"
    ascii_name = served.filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return f"{how}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(served.filename)}"


async def attachment(request: Request) -> Response:
    name = str(request.path_params.get("name", ""))
    variant = "thumbnail" if name == "thumbnail" else "file"
    signed = serving.Signed(request.query_params.get("expires", "")[:16],
                            request.query_params.get("signature", "")[:64])
    settings = runtime.settings()
    if int(request.path_params["attachment_id"]) > requests.LARGEST_ID:
        return requests.not_found()
    identity = None if signed.signature else await requests.agent_identity(request)
    try:
        async with runtime.db().read() as session:
            served = await serving.fetch(session, attachment_id=int(request.path_params["attachment_id"]),
                                         variant=variant, identity=identity, signed=signed,
                                         secret_key=settings.secret_key, root=settings.attachments_dir,
                                         now=runtime.clock())
    except NotFound:
        return requests.not_found()
    if not served.path.is_file():
        return requests.not_found()
    return FileResponse(served.path, media_type=served.content_type, headers={
        "Content-Disposition": _disposition(served), "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=300"})
