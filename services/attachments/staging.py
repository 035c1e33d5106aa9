"""Files wait, staged, between `Attach` and `Send`: checked against the channel's rules as they arrive (so a
refused file is refused at once and nothing of it is stored), and again against the channel the message
actually goes by when it is sent (the agent may have switched Reply via since)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from datetime import timedelta

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.attachments import inspection, rules, storage, thumbnails
from services.errors import NotFound, Refused
from services.models import Attachment, Interaction, Message

MAX_NAME = 120
STAGED_LIFETIME = timedelta(days=1)  # files attached and never sent are let go after this, or at wrap-up


@dataclass(frozen=True)
class Upload:
    """A file as a handler received it: its name as the sender gave it and its bytes (read up to the
    channel's limit and one byte more, so an oversized file is known without reading all of it)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Uploader:
    """Whose staged files: an agent (by user id) or the customer of the interaction."""

    author: str  # customer | agent
    user_id: int | None = None


def display_name(sent_name: str, kind: str) -> str:
    """The sender's name without folders or control characters, with the extension its content earned."""
    base = PurePath(str(sent_name).replace("\\", "/")).name
    stem = "".join(ch for ch in base.rsplit(".", 1)[0] if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    return f"{(stem or 'attachment')[:MAX_NAME]}.{kind}"


async def staged(session: AsyncSession, *, interaction_id: int, uploader: Uploader,
                 for_update: bool = False) -> list[Attachment]:
    query = select(Attachment).where(Attachment.interaction_id == interaction_id,
                                     col(Attachment.message_id).is_(None), Attachment.author == uploader.author)
    if uploader.author == "agent":
        query = query.where(Attachment.uploader_user_id == uploader.user_id)
    if for_update:
        query = query.with_for_update()
    return list((await session.exec(query.order_by(Attachment.id))).all())


def _checked(uploads: list[Upload], channel_rules: rules.ChannelRules, already: int) -> list[inspection.Inspected]:
    """Every file checked before any is stored: one refused file refuses the whole choice."""
    if message := rules.too_many(channel_rules, already + len(uploads)):
        raise Refused(message)
    found = []
    for upload in uploads:
        name = PurePath(str(upload.name)).name or "The file"
        if message := rules.too_large(channel_rules, name, len(upload.data)):
            raise Refused(message)
        inspected = inspection.inspect(upload.data)
        if inspected.problem:
            raise Refused(f"{name} {inspected.problem}.")
        if message := rules.wrong_kind(channel_rules, name, inspected.kind):
            raise Refused(message)
        found.append(inspected)
    return found


async def stage(session: AsyncSession, *, interaction: Interaction, uploader: Uploader, channel: str,
                uploads: list[Upload], root: Path, at: datetime) -> list[Attachment]:
    channel_rules = rules.rules_for(channel)
    if channel_rules is None:
        raise Refused(f"Files cannot be sent by {channel}.")
    if not uploads:
        raise Refused("Choose a file to attach.")
    already = await staged(session, interaction_id=interaction.id, uploader=uploader, for_update=True)
    found = _checked(uploads, channel_rules, len(already))
    return [_store(session, interaction=interaction, uploader=uploader, upload=upload, inspected=inspected,
                   root=root, at=at) for upload, inspected in zip(uploads, found)]


def _store(session: AsyncSession, *, interaction: Interaction, uploader: Uploader, upload: Upload,
           inspected: inspection.Inspected, root: Path, at: datetime) -> Attachment:
    attachment = Attachment(interaction_id=interaction.id, author=uploader.author, uploader_user_id=uploader.user_id,
                            filename=display_name(upload.name, inspected.kind), kind=inspected.kind,
                            content_type=inspection.CONTENT_TYPES[inspected.kind], size=len(upload.data),
                            storage_path=storage.new_path(), created_at=at)
    storage.write(root, attachment.storage_path, upload.data)
    if inspected.kind in inspection.IMAGE_KINDS:
        thumb, thumb_kind, (width, height) = thumbnails.thumbnail(upload.data)
        attachment.thumbnail_path = f"{attachment.storage_path}.thumb.{thumb_kind}"
        attachment.thumbnail_width, attachment.thumbnail_height = width, height
        storage.write(root, attachment.thumbnail_path, thumb)
    session.add(attachment)
    return attachment


async def receive(session: AsyncSession, *, message: Message, interaction: Interaction, upload: Upload,
                  root: Path, at: datetime) -> Attachment:
    """A file that came with a customer's SMS or WhatsApp message, added to it by the channel's rules."""
    [inspected] = _checked([upload], rules.rules_for(interaction.channel), 0)
    attachment = _store(session, interaction=interaction, uploader=Uploader("customer"), upload=upload,
                        inspected=inspected, root=root, at=at)
    attachment.message_id = message.id
    message.attachment_count += 1
    if not message.body:
        shown = interaction.last_text
        interaction.last_text = (f"{shown}, {attachment.filename}" if shown.startswith("Attachment: ")
                                 else f"Attachment: {attachment.filename}")[:500]
    session.add_all([attachment, message, interaction])
    return attachment


async def unstage(session: AsyncSession, *, interaction_id: int, uploader: Uploader, attachment_id: int,
                  root: Path) -> None:
    """Remove a staged file of this uploader's; another's id, or a sent one, is not found."""
    rows = await staged(session, interaction_id=interaction_id, uploader=uploader, for_update=True)
    attachment = next((row for row in rows if row.id == attachment_id), None)
    if attachment is None:
        raise NotFound("That attachment")
    await session.delete(attachment)
    await session.flush()
    storage.delete(root, attachment.storage_path, attachment.thumbnail_path)


def check_sendable(rows: list[Attachment], channel: str) -> None:
    """The staged files against the channel the message goes by now."""
    if not rows:
        return
    channel_rules = rules.rules_for(channel)
    if channel_rules is None:
        raise Refused(f"Files cannot be sent by {channel}: remove them first.")
    if message := rules.too_many(channel_rules, len(rows)):
        raise Refused(message)
    for row in rows:
        if message := rules.wrong_kind(channel_rules, row.filename, row.kind):
            raise Refused(message)


async def attach(session: AsyncSession, *, message: Message, interaction: Interaction,
                 rows: list[Attachment]) -> None:
    """The staged files join the message being sent; a message of files only shows their names in the panel."""
    if not rows:
        return
    if message.id is None:
        session.add(message)
        await session.flush()
    for row in rows:
        row.message_id = message.id
    message.attachment_count = len(rows)
    if not message.body:
        interaction.last_text = "Attachment: " + ", ".join(row.filename for row in rows)
    session.add_all([*rows, message, interaction])


async def discard_abandoned(db, *, root: Path, now: datetime, limit: int = 200) -> int:
    """Staged files nobody will send: their interaction is closed, or they waited a day. Rows go first, in one
    transaction; files after it commits (a file left by a crash in between is only unreferenced bytes)."""
    async with db.transaction() as session:
        rows = (await session.exec(
            select(Attachment).join(Interaction, Interaction.id == Attachment.interaction_id)
            .where(col(Attachment.message_id).is_(None),
                   or_(Interaction.state == "closed", Attachment.created_at < now - STAGED_LIFETIME))
            .limit(limit).with_for_update(skip_locked=True))).all()
        for row in rows:
            await session.delete(row)
    for row in rows:
        storage.delete(root, row.storage_path, row.thumbnail_path)
    return len(rows)
