"""The bare endpoint bench.webhooks compares the inbox with: Starlette alone, no database, no signature check.

It does what any webhook must do and nothing more: read the whole form, answer Twilio's empty TwiML. Served by
`granian --interface asgi --workers 2`, as Reflex serves the inbox in production (same server, same defaults).
"""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def messages(request: Request) -> Response:
    await request.form(max_files=0, max_fields=200)
    return Response(_EMPTY_TWIML, media_type="application/xml")


async def ping(_request: Request) -> Response:
    return Response("pong")


app = Starlette(routes=[Route("/webhooks/twilio/messages", messages, methods=["POST"]),
                        Route("/ping", ping, methods=["GET"])])
