"""POST /api/chatbot/transcripts: a retailer's chatbot posts a finished conversation as JSON, signed with the
organization's chatbot secret (`X-Inbox-Signature: sha256={hex}`). Thin: the body was limited to 256 KB before
it got here (body_limit.py); the service checks the signature and the fields, stores once, and analyses."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from inbox_app import runtime
from services.chatbot import transcripts

_log = logging.getLogger(__name__)


async def transcript(request: Request):
    body = await request.body()
    try:
        received = await transcripts.receive(runtime.db(), body=body,
                                             signature=request.headers.get(transcripts.SIGNATURE_HEADER),
                                             clock=runtime.clock)
    except transcripts.TranscriptRefused as refused:
        if refused.status == 401:
            _log.warning("refused a chatbot transcript: bad or missing signature")
        return JSONResponse({"error": refused.error}, status_code=refused.status)
    return JSONResponse(received.as_json(), status_code=201 if received.result == transcripts.STORED else 200)
