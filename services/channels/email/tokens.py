"""The signed token in our reply address (`care+{token}@sophias.example`): it names the interaction a reply
answers, and only we can make one (HMAC with the app's secret key), so a reply carrying it answers our mail."""

from __future__ import annotations

import hashlib
import hmac

_TAG_LENGTH = 16


def _tag(secret_key: str, interaction_id: int) -> str:
    digest = hmac.new(secret_key.encode(), f"email-reply:{interaction_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:_TAG_LENGTH]


def token_for(secret_key: str, interaction_id: int) -> str:
    return f"i{interaction_id}.{_tag(secret_key, interaction_id)}"


def reply_address(secret_key: str, inbound_email: str, interaction_id: int) -> str:
    local, _, domain = inbound_email.partition("@")
    return f"{local}+{token_for(secret_key, interaction_id)}@{domain}"


def split_address(address: str) -> tuple[str, str]:
    """('care@sophias.example', token) of 'care+token@sophias.example'; the token is '' when there is none."""
    local, _, domain = address.lower().partition("@")
    base, _, token = local.partition("+")
    return f"{base}@{domain}", token


def interaction_of(secret_key: str, token: str) -> int | None:
    """The interaction a genuine token names; None for anything else."""
    head, _, tag = token.partition(".")
    if not head.startswith("i") or not head[1:].isdigit():
        return None
    interaction_id = int(head[1:])
    return interaction_id if hmac.compare_digest(tag, _tag(secret_key, interaction_id)) else None
