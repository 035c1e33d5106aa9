"""Twilio's webhook signature (X-Twilio-Signature), checked against the URL Twilio was told to call.

The URL is PUBLIC_BASE_URL + path (+ query), never one rebuilt from Host or X-Forwarded-* headers: those are
the caller's to choose, and behind a proxy they differ from what Twilio signed.
"""

from __future__ import annotations

from typing import Mapping

from twilio.request_validator import RequestValidator


def signed_url(public_base_url: str, path: str, query: str = "") -> str:
    return public_base_url.rstrip("/") + path + (f"?{query}" if query else "")


def is_valid(*, auth_token: str | None, url: str, params: Mapping[str, str | list[str]],
             signature: str | None) -> bool:
    """True only for a signature made with our auth token over exactly this URL and these form fields."""
    if not auth_token or not signature:
        return False
    return RequestValidator(auth_token).validate(url, dict(params), signature)
