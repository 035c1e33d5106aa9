"""Which file a request for an attachment gets, if any: for an agent, their session decides; for the customer's
chat and for Twilio, a signed link. Every refusal looks the same (not found): an id tells a stranger nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from services.attachments import access, inspection, storage
from services.auth import Identity
from services.errors import NotFound
from services.models import Attachment, Case, Interaction


@dataclass(frozen=True)
class Served:
    path: Path
    content_type: str
    filename: str
    download: bool  # after the case is closed, attachments are downloads


@dataclass(frozen=True)
class Signed:
    expires: str
    signature: str


async def _may_fetch(session: AsyncSession, attachment: Attachment, variant: str, *, identity: Identity | None,
                     signed: Signed | None, secret_key: str, now: datetime) -> bool:
    if signed is not None and signed.signature:
        return access.signature_holds(secret_key, attachment_id=attachment.id, variant=variant,
                                      expires=signed.expires, signature=signed.signature, now=now)
    return identity is not None and await access.agent_may_see(session, identity=identity, attachment=attachment)


async def fetch(session: AsyncSession, *, attachment_id: int, variant: str, identity: Identity | None,
                signed: Signed | None, secret_key: str, root: Path, now: datetime) -> Served:
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None or not await _may_fetch(session, attachment, variant, identity=identity, signed=signed,
                                                  secret_key=secret_key, now=now):
        raise NotFound("That attachment")
    interaction = await session.get(Interaction, attachment.interaction_id)
    case = await session.get(Case, interaction.case_id) if interaction else None
    download = case is None or case.status == "closed"
    if variant == "thumbnail":
        if not attachment.thumbnail_path:
            raise NotFound("That attachment")
        kind = attachment.thumbnail_path.rsplit(".", 1)[-1]
        return Served(storage.full_path(root, attachment.thumbnail_path), inspection.CONTENT_TYPES[kind],
                      f"thumbnail-{attachment.filename.rsplit('.', 1)[0]}.{kind}", False)
    return Served(storage.full_path(root, attachment.storage_path), inspection.CONTENT_TYPES[attachment.kind],
                  attachment.filename, download)
