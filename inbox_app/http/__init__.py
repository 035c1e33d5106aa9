"""HTTP routes beside the Reflex app (mounted with `api_transformer`): sign-in and sign-out, `/healthz`,
Twilio's webhooks, attachments, and the chatbot transcripts endpoint.

As thin as event handlers: check the request, call one service, answer.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from inbox_app.http import (attachment_routes, chatbot_routes, email_routes, embedding_routes, health, session_routes,
                            twilio_webhooks)
from inbox_app.http.security_headers import SecurityHeaders
from inbox_app.http.body_limit import BodyLimit


def routes() -> Starlette:
    return Starlette(routes=[
        Route("/auth/sign-in", session_routes.sign_in, methods=["POST"]),
        Route("/auth/sign-out", session_routes.sign_out, methods=["POST"]),
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/api/chat/{slug}/embedders", embedding_routes.chat_embedders, methods=["GET"]),
        Route("/webhooks/twilio/messages", twilio_webhooks.messages, methods=["POST"]),
        Route("/webhooks/twilio/status", twilio_webhooks.status, methods=["POST"]),
        Route("/attachments/{attachment_id:int}/{name}", attachment_routes.attachment, methods=["GET"]),
        Route("/emails/{message_id:int}/original", email_routes.original_email, methods=["GET"]),
        Route("/api/chatbot/transcripts", chatbot_routes.transcript, methods=["POST"]),
    ])


def api() -> list:
    """For `rx.App(api_transformer=…)`: the routes are mounted first, then the byte limits on request bodies
    (`/_upload`, webhooks, chatbot transcripts), then the security headers wrap everything, pages and static files included."""
    return [routes(), BodyLimit, SecurityHeaders]
