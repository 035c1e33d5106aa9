"""Who may fetch an attachment, and the links that say so.

- A signed-in agent (the session cookie) who may see the interaction: one of its case's interactions is, or
  was, theirs; it is the verified customer's earlier history beside an interaction they hold; or it bounced
  away from them and is still open. A staged file only its uploader sees.
- The customer's own chat, and Twilio fetching our media: neither has our cookie, so they get short-lived
  links signed with the app's secret, made only for the files they may have.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import and_, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth import Identity
from services.models import Attachment, Bounce, Interaction

CHAT_LINK_LIFETIME = timedelta(hours=12)
MEDIA_LINK_LIFETIME = timedelta(minutes=30)  # Twilio fetches media as it sends; a retry gets a new link


def path(attachment_id: int, filename: str, variant: str = "file") -> str:
    if variant == "thumbnail":
        return f"/attachments/{attachment_id}/thumbnail"
    return f"/attachments/{attachment_id}/{quote(filename)}"


def _signature(secret_key: str, attachment_id: int, variant: str, expires: int) -> str:
    key = hashlib.sha256(f"attachment-link:{secret_key}".encode()).digest()
    return hmac.new(key, f"{attachment_id}:{variant}:{expires}".encode(), hashlib.sha256).hexdigest()[:40]


def signed_path(secret_key: str, *, attachment_id: int, filename: str, variant: str, expires: int) -> str:
    return (f"{path(attachment_id, filename, variant)}?expires={expires}"
            f"&signature={_signature(secret_key, attachment_id, variant, expires)}")


def link_expiry(now: datetime, lifetime: timedelta) -> int:
    """Whole hours (or half hours) past the lifetime: links made in the same window are identical, so a tab's
    transcript does not change every time it is refreshed."""
    step = 3600 if lifetime >= timedelta(hours=2) else 1800
    return (int((now + lifetime).timestamp()) // step + 1) * step


def signature_holds(secret_key: str, *, attachment_id: int, variant: str, expires: str, signature: str,
                    now: datetime) -> bool:
    if not (expires.isascii() and expires.isdigit()) or len(expires) > 12 or int(expires) < now.timestamp():
        return False
    if not signature or not signature.isascii():
        return False
    expected = _signature(secret_key, attachment_id, variant, int(expires))
    return hmac.compare_digest(expected, signature or "")


async def agent_may_see(session: AsyncSession, *, identity: Identity, attachment: Attachment) -> bool:
    """A sent file: whoever may see its interaction. A staged one: its uploader only."""
    interaction = await session.get(Interaction, attachment.interaction_id)
    if interaction is None:
        return False
    if attachment.message_id is None:
        return (identity.can("inbox") and identity.serves(interaction.organization_id)
                and attachment.author == "agent" and attachment.uploader_user_id == identity.user_id)
    return await agent_may_see_interaction(session, identity=identity, interaction=interaction)


async def agent_may_see_interaction(session: AsyncSession, *, identity: Identity, interaction: Interaction) -> bool:
    """What the agent's screens can show them: their interactions' cases (Case Details), the verified
    customer's earlier history beside an interaction they hold (the transcript shows earlier ones only), and an
    interaction that bounced away from them while it is open (shown read-only)."""
    if not identity.can("inbox") or not identity.serves(interaction.organization_id):
        return False
    shown = Interaction.case_id == interaction.case_id
    if interaction.verified and interaction.customer_id:
        shown = or_(shown, and_(Interaction.customer_id == interaction.customer_id,
                                Interaction.organization_id == interaction.organization_id,
                                Interaction.verified == True,  # noqa: E712 - SQL comparison
                                Interaction.created_at >= interaction.created_at))
    held = (await session.exec(select(Interaction.id).where(Interaction.assignee_id == identity.user_id, shown)
                               .limit(1))).first()
    if held is not None:
        return True
    if interaction.state == "closed":
        return False
    bounced = (await session.exec(select(Bounce.id).where(Bounce.interaction_id == interaction.id,
                                                          Bounce.from_user_id == identity.user_id).limit(1))).first()
    return bounced is not None
