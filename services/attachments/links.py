"""Attachments as a transcript shows them: one link per file, and a thumbnail for a picture. The agent's
links are plain (their session cookie is checked when fetched); the customer's chat gets signed ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.attachments import access
from services.models import Attachment, Message


@dataclass(frozen=True)
class AttachmentLink:
    id: int
    key: str
    filename: str
    kind: str  # png | gif | jpg | pdf | txt
    size_label: str
    href: str
    thumbnail_href: str = ""  # pictures only
    thumbnail_width: int = 0
    thumbnail_height: int = 0


Linker = Callable[[Attachment], AttachmentLink]


def size_label(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _link(attachment: Attachment, href: str, thumbnail_href: str) -> AttachmentLink:
    return AttachmentLink(id=attachment.id, key=f"a{attachment.id}", filename=attachment.filename, kind=attachment.kind,
                          size_label=size_label(attachment.size), href=href,
                          thumbnail_href=thumbnail_href if attachment.thumbnail_path else "",
                          thumbnail_width=attachment.thumbnail_width, thumbnail_height=attachment.thumbnail_height)


def agent_link(attachment: Attachment) -> AttachmentLink:
    return _link(attachment, access.path(attachment.id, attachment.filename),
                 access.path(attachment.id, attachment.filename, "thumbnail"))


def customer_linker(secret_key: str, now: datetime) -> Linker:
    expires = access.link_expiry(now, access.CHAT_LINK_LIFETIME)

    def signed(attachment: Attachment) -> AttachmentLink:
        def href(variant: str) -> str:
            return access.signed_path(secret_key, attachment_id=attachment.id, filename=attachment.filename,
                                      variant=variant, expires=expires)
        return _link(attachment, href("file"), href("thumbnail"))

    return signed


async def by_message(session: AsyncSession, messages: list[Message],
                     linker: Linker) -> dict[int, list[AttachmentLink]]:
    """The links of these messages' attachments, in one query, and none when no message carries any."""
    ids = [message.id for message in messages if message.attachment_count]
    if not ids:
        return {}
    rows = (await session.exec(select(Attachment).where(col(Attachment.message_id).in_(ids))
                               .order_by(Attachment.id))).all()
    found: dict[int, list[AttachmentLink]] = {}
    for row in rows:
        found.setdefault(row.message_id, []).append(linker(row))
    return found

