"""Polling the mailbox: one worker at a time, under a lease row in the database (works the same on PostgreSQL
and SQLite, with or without Redis). The holder renews it with every mail it commits and every pass; when it
dies, the lease runs out and the next worker's pass takes over, within one lease period.

A pass: take the lease, check UIDVALIDITY (when the server renumbered the folder, start again from UID 0:
Message-IDs already stored are not stored again), fetch what lies above the last committed UID, store each
mail with the cursor's move in one transaction, then flag the stored ones \\Seen.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, update

from services.channels.email import ingest, mailbox
from services.clock import Clock
from services.config import Settings
from services.models import MailboxCursor

_log = logging.getLogger(__name__)

BATCH = 200  # mails fetched at a time
GROUP = 50  # mails stored in one transaction


def lease_period(poll_seconds: int) -> timedelta:
    return timedelta(seconds=max(60, 3 * poll_seconds))


def new_owner() -> str:
    return secrets.token_hex(8)


async def _ensure_cursor(db, key: str) -> None:
    async with db.read() as session:
        if await session.get(MailboxCursor, key):
            return
    try:
        async with db.transaction() as session:
            session.add(MailboxCursor(mailbox=key))
    except IntegrityError:
        pass  # another worker made it first


async def take_lease(db, key: str, *, owner: str, clock: Clock, period: timedelta) -> MailboxCursor | None:
    """The cursor when this worker holds (or just took) the mailbox's lease; None while another holds it."""
    await _ensure_cursor(db, key)
    now = clock()
    async with db.transaction() as session:
        taken = await session.exec(update(MailboxCursor).where(
            MailboxCursor.mailbox == key,
            or_(MailboxCursor.lease_owner == owner, col(MailboxCursor.lease_until).is_(None),
                col(MailboxCursor.lease_until) < now)).values(lease_owner=owner, lease_until=now + period))
        if taken.rowcount != 1:
            return None
        return await session.get(MailboxCursor, key, populate_existing=True)


async def _restart_numbering(db, cursor: MailboxCursor, validity: int, owner: str) -> None:
    if cursor.uidvalidity:  # 0: the first pass ever
        _log.warning("mailbox %s: UIDVALIDITY %s -> %s, reading it again from the start (Message-IDs keep each "
                     "mail once)", cursor.mailbox, cursor.uidvalidity, validity)
    async with db.transaction() as session:
        moved = await session.exec(update(MailboxCursor).where(
            MailboxCursor.mailbox == cursor.mailbox, MailboxCursor.lease_owner == owner).values(
            uidvalidity=validity, last_uid=0))
        if moved.rowcount != 1:
            raise ingest.LeaseLost(cursor.mailbox)


async def poll_once(db, account: mailbox.Account, *, owner: str, clock: Clock, root: Path, secret_key: str,
                    authserv_id: str | None = None, period: timedelta = timedelta(seconds=60),
                    batch: int = BATCH, group: int = GROUP) -> int:
    """One pass; returns how many mails were committed (0 when another worker holds the mailbox)."""
    cursor = await take_lease(db, account.key, owner=owner, clock=clock, period=period)
    if cursor is None:
        return 0
    box = await asyncio.to_thread(mailbox.connect, account)
    try:
        validity = await asyncio.to_thread(mailbox.uidvalidity, box, account.folder)
        if validity != cursor.uidvalidity:
            await _restart_numbering(db, cursor, validity, owner)
            cursor.last_uid = 0
        done = 0
        while True:
            fetched = await asyncio.to_thread(mailbox.fetch_after, box, cursor.last_uid, batch)
            committed = []
            for start in range(0, len(fetched), group):
                chunk = fetched[start:start + group]
                prepared = await asyncio.gather(*(ingest.prepare(mail.raw) for mail in chunk))
                items = [ingest.Fetched(mail.raw, ready, ingest.Position(account.key, validity, mail.uid, owner,
                                                                         clock() + period))
                         for mail, ready in zip(chunk, prepared)]
                await ingest.ingest_group(db, items, clock=clock, root=root, secret_key=secret_key,
                                          authserv_id=authserv_id)
                committed.extend(mail.uid for mail in chunk)
                cursor.last_uid = chunk[-1].uid
            await asyncio.to_thread(mailbox.mark_seen, box, committed)
            done += len(committed)
            if len(fetched) < batch:
                return done
    finally:
        await asyncio.to_thread(box.logout)


async def run_email_loop(db, settings: Settings, *, clock: Clock) -> None:
    """Every IMAP_POLL_SECONDS, in every worker; the lease lets one of them poll. Unset IMAP_HOST: no loop."""
    account = mailbox.Account.from_settings(settings)
    if account is None:
        return
    owner, period = new_owner(), lease_period(settings.imap_poll_seconds)
    while True:
        try:
            await poll_once(db, account, owner=owner, clock=clock, root=settings.attachments_dir,
                            secret_key=settings.secret_key, authserv_id=settings.mail_authserv_id, period=period)
        except asyncio.CancelledError:
            raise
        except ingest.LeaseLost:
            _log.warning("mailbox %s: another worker took over polling", account.key)
        except Exception:
            _log.exception("email poll of %s failed; retrying", account.key)
        await asyncio.sleep(settings.imap_poll_seconds)
