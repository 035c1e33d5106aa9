"""`GET /api/chat/{slug}/embedders`: the sites a framed Live Chat may hand its conversation to.

A chat framed where the browser refuses it storage keeps its chat token in memory and hands it to the framing
page (assets/framed_storage.js). It asks here first, and hands it over only to a site the organization named:
never under `*`, where any site may frame the chat. The list is public anyway: it is the chat page's
frame-ancestors header.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from inbox_app import runtime
from services import embedding


async def chat_embedders(request: Request) -> JSONResponse:
    async with runtime.db().read() as session:
        origins = await embedding.chat_frame_ancestors(session, str(request.path_params["slug"])[:64])
    listed = origins if embedding.hands_over_chats(origins) else []
    return JSONResponse({"origins": listed}, headers={"Cache-Control": "no-store"})
