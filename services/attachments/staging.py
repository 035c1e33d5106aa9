"""Files wait, staged, between `Attach` and `Send`: checked against the channel's rules as they arrive (so a
refused file is refused at once and nothing of it is stored), and again against the channel the message
actually goes by when it is sent (the agent may have switched Reply via since)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.attachments import inspection, rules, storage, thumbnails
from services.errors import NotFound, Refused
from services.models import Attachment, Interaction, Message

MAX_NAME = 120


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


def _checked(uploads: list[Upload], channel_rules: rules.ChannelRules) -> list[inspection.Inspected]:
    """Every file checked before any is stored: one refused file refuses the whole choice."""
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


@dataclass(frozen=True)
class Prepared:
    """A file that passed the rules, with its thumbnail made: what remains is writing it."""

    upload: Upload
    inspected: inspection.Inspected
    thumbnail: bytes = b""
    thumbnail_kind: str = ""
    thumbnail_size: tuple[int, int] = (0, 0)


# Decoding pictures is the costly part (a few seconds for the largest allowed): one at a time per process, in a
# thread, so the event loop keeps serving every other tab meanwhile.
_PICTURE_WORK = threading.BoundedSemaphore(1)


def _prepared(uploads: list[Upload], channel_rules: rules.ChannelRules) -> list[Prepared]:
    with _PICTURE_WORK:
        ready = []
        for upload, inspected in zip(uploads, _checked(uploads, channel_rules)):
            if inspected.kind in inspection.IMAGE_KINDS:
                thumb, kind, size = thumbnails.thumbnail(upload.data)
                ready.append(Prepared(upload, inspected, thumb, kind, size))
            else:
                ready.append(Prepared(upload, inspected))
        return ready


def channel_rules_for(channel: str) -> rules.ChannelRules:
    channel_rules = rules.rules_for(channel)
    if channel_rules is None:
        raise Refused(f"Files cannot be sent by {channel}.")
    return channel_rules


async def prepare(uploads: list[Upload], channel_rules: rules.ChannelRules, *, already: int = 0) -> list[Prepared]:
    """Check and thumbnail the files off the event loop, before any row is locked; the count first (cheap)."""
    if not uploads:
        raise Refused("Choose a file to attach.")
    if message := rules.too_many(channel_rules, already + len(uploads)):
        raise Refused(message)
    return await asyncio.to_thread(_prepared, uploads, channel_rules)


async def stage(session: AsyncSession, *, interaction: Interaction, uploader: Uploader,
                channel_rules: rules.ChannelRules, prepared: list[Prepared], root: Path,
                at: datetime) -> list[Attachment]:
    """Store prepared files for `uploader`; the caller holds the interaction locked, so the count holds."""
    already = await staged(session, interaction_id=interaction.id, uploader=uploader, for_update=True)
    if message := rules.too_many(channel_rules, len(already) + len(prepared)):
        raise Refused(message)
    if message := rules.too_much(channel_rules, [a.size for a in already] + [len(p.upload.data) for p in prepared]):
        raise Refused(message)
    return await _store_all(session, interaction=interaction, uploader=uploader, prepared=prepared, root=root,
                            at=at)


async def _store_all(session: AsyncSession, *, interaction: Interaction, uploader: Uploader,
                     prepared: list[Prepared], root: Path, at: datetime) -> list[Attachment]:
    """Files first, then rows; if anything fails, the files written so far go too."""
    stored: list[Attachment] = []
    try:
        for ready in prepared:
            stored.append(_store(session, interaction=interaction, uploader=uploader, ready=ready, root=root, at=at))
        await session.flush()
    except Exception:
        for attachment in stored:
            storage.delete(root, attachment.storage_path, attachment.thumbnail_path)
        raise
    return stored


def _store(session: AsyncSession, *, interaction: Interaction, uploader: Uploader, ready: Prepared, root: Path,
           at: datetime) -> Attachment:
    upload, inspected = ready.upload, ready.inspected
    attachment = Attachment(interaction_id=interaction.id, author=uploader.author, uploader_user_id=uploader.user_id,
                            filename=display_name(upload.name, inspected.kind), kind=inspected.kind,
                            content_type=inspection.CONTENT_TYPES[inspected.kind], size=len(upload.data),
                            storage_path=storage.new_path(), created_at=at)
    storage.write(root, attachment.storage_path, upload.data)
    if ready.thumbnail:
        attachment.thumbnail_path = f"{attachment.storage_path}.thumb.{ready.thumbnail_kind}"
        attachment.thumbnail_width, attachment.thumbnail_height = ready.thumbnail_size
        storage.write(root, attachment.thumbnail_path, ready.thumbnail)
    session.add(attachment)
    return attachment


async def receive(session: AsyncSession, *, message: Message, interaction: Interaction, ready: Prepared,
                  root: Path, at: datetime) -> Attachment:
    """A file that came with a customer's SMS or WhatsApp message (prepared by the channel's rules), added to it;
    the caller holds the message locked."""
    [attachment] = await _store_all(session, interaction=interaction, uploader=Uploader("customer"),
                                    prepared=[ready], root=root, at=at)
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


def check_expected(rows: list[Attachment], expected: list[int] | None) -> None:
    """The files sent must be the ones the sender sees under the message box: removed in another tab, or
    attached there, the message waits for the sender to look again."""
    if expected is not None and sorted(row.id for row in rows) != sorted(int(i) for i in expected
                                                                            if isinstance(i, int)):
        raise Refused("The attached files changed in another window: check them and send again.")


def check_sendable(rows: list[Attachment], channel: str) -> None:
    """The staged files against the channel the message goes by now."""
    if not rows:
        return
    channel_rules = rules.rules_for(channel)
    if channel_rules is None:
        raise Refused(f"Files cannot be sent by {channel}: remove them first.")
    if message := rules.too_many(channel_rules, len(rows)):
        raise Refused(message)
    if message := rules.too_much(channel_rules, [row.size for row in rows]):
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


async def discard_abandoned(db, *, root: Path, limit: int = 200) -> int:
    """Staged files nobody can send any more: their interaction closed, the customer's chat ended, or the
    agent who attached them no longer holds the interaction (it bounced or was transferred). Rows go first, in
    one transaction; files after it commits (a crash in between leaves only unreferenced bytes)."""
    gone = or_(Interaction.state == "closed",
               (Attachment.author == "customer") & col(Interaction.chat_ended_at).is_not(None),
               (Attachment.author == "agent") & (col(Attachment.uploader_user_id) != col(Interaction.assignee_id)),
               (Attachment.author == "agent") & col(Interaction.assignee_id).is_(None))
    async with db.transaction() as session:
        rows = (await session.exec(
            select(Attachment).join(Interaction, Interaction.id == Attachment.interaction_id)
            .where(col(Attachment.message_id).is_(None), gone)
            .limit(limit).with_for_update(of=Attachment, skip_locked=True))).all()
        for row in rows:
            await session.delete(row)
    for row in rows:
        storage.delete(root, row.storage_path, row.thumbnail_path)
    return len(rows)
