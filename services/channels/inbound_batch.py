"""Staged SMS and WhatsApp messages (InboundMessage rows, written by the webhook) stored in batches, one
transaction per batch, with batched reads and inserts, as the email ingest stores mail (inbound_loop.py runs it).

A batch is claimed with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer, and one worker), so two
workers never store the same row. Messages of one sender are stored in the order they came: in a batch by id,
and across batches by the sender's lock, under which a message whose older sibling is still pending in another
batch is left for the next pass. A batch that fails is stored again one row at a time, so a bad row holds up
only itself; a row that fails alone is retried with a growing wait and then kept `failed`, with its error, in
the log and the audit trail.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import tuple_
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, interactions, routing
from services.channels import media_fetch
from services.channels.numbers import Address, organizations_for, parse_address
from services.clock import Clock
from services.db import lock_all_until_commit
from services.models import InboundMessage, Interaction, Message

_log = logging.getLogger(__name__)

STORED, DUPLICATE, UNKNOWN_NUMBER, NOT_A_MESSAGE = "stored", "duplicate", "unknown-number", "not-a-message"
BATCH = 50
BACKOFF = [timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10)]
MAX_ATTEMPTS = len(BACKOFF) + 1


@dataclass
class Pass:
    """What one pass did: rows claimed, and rows left pending behind an older message of their sender."""

    claimed: int = 0
    deferred: int = 0


@dataclass(frozen=True)
class _Row:
    staged: InboundMessage
    organization_id: int
    sender: Address
    to: Address

    @property
    def key(self) -> tuple[int, str, str]:
        return self.organization_id, self.sender.channel, self.sender.number


def _media_note(count: int) -> str:
    """What the panel shows for a message of media alone until its files are in."""
    return f"Attachment{'s' if count > 1 else ''} arriving"


def _due(now: datetime):
    return (InboundMessage.status == "pending") & or_(col(InboundMessage.next_attempt_at).is_(None),
                                                      col(InboundMessage.next_attempt_at) <= now)


async def _claim(session: AsyncSession, *, now: datetime, limit: int, ids: list[int] | None = None):
    query = select(InboundMessage).where(_due(now))
    if ids is not None:
        query = query.where(col(InboundMessage.id).in_(ids))
    return list((await session.exec(query.order_by(InboundMessage.id).limit(limit)
                                    .with_for_update(skip_locked=True))).all())


def _done(staged: InboundMessage, outcome: str, now: datetime, message: Message | None = None) -> None:
    staged.status, staged.outcome, staged.processed_at = "done", outcome, now
    staged.message_id = message.id if message else None


async def _known(session: AsyncSession, claimed: list[InboundMessage], now: datetime) -> list[_Row]:
    """The claimed rows whose number belongs to an organization; the others are done, and stored nowhere."""
    parsed = {row.id: (parse_address(row.from_address), parse_address(row.to_address)) for row in claimed}
    organizations = await organizations_for(session, {to for _, to in parsed.values()})
    known = []
    for row in claimed:
        sender, to = parsed[row.id]
        if to in organizations:
            known.append(_Row(row, organizations[to], sender, to))
        else:
            _log.warning("inbound %s %s to %s: no organization has this number; not stored", to.channel,
                         row.message_sid, to.number)
            _done(row, UNKNOWN_NUMBER, now)
    return known


async def _behind_older(session: AsyncSession, rows: list[_Row], now: datetime) -> list[_Row]:
    """Rows with an older message of the same sender still pending outside this batch (claimed by another
    pass): they wait for the next pass, so a sender's messages are stored in the order they came."""
    if not rows:
        return []
    pairs = sorted({(r.staged.from_address, r.staged.to_address) for r in rows})
    older = (await session.exec(select(InboundMessage.id, InboundMessage.from_address, InboundMessage.to_address)
                                .where(_due(now), col(InboundMessage.id).notin_([r.staged.id for r in rows]),
                                       col(InboundMessage.id) < max(r.staged.id for r in rows),
                                       tuple_(InboundMessage.from_address, InboundMessage.to_address).in_(pairs))
                                )).all()
    oldest = {}
    for row_id, from_address, to_address in older:
        oldest[(from_address, to_address)] = min(row_id, oldest.get((from_address, to_address), row_id))
    return [r for r in rows if oldest.get((r.staged.from_address, r.staged.to_address), r.staged.id) < r.staged.id]


async def _stored_already(session: AsyncSession, rows: list[_Row]) -> set[str]:
    """MessageSids already stored as messages (a row staged again after its message was stored elsewhere)."""
    sids = [r.staged.message_sid for r in rows]
    return set((await session.exec(select(Message.provider_id).where(col(Message.provider_id).in_(sids)))).all())


async def _open_interactions(session: AsyncSession, keys: set[tuple[int, str, str]]) -> dict:
    """The newest open interaction of each (organization, channel, phone), locked, in one query."""
    found = (await session.exec(select(Interaction).where(
        Interaction.state != "closed",
        tuple_(Interaction.organization_id, Interaction.channel, Interaction.given_phone).in_(sorted(keys)))
        .order_by(col(Interaction.id).desc()).with_for_update())).all()
    newest = {}
    for interaction in found:
        newest.setdefault((interaction.organization_id, interaction.channel, interaction.given_phone), interaction)
    return newest


async def _route(session: AsyncSession, opened: list[Interaction], *, clock: Clock) -> None:
    """The new interactions are placed here, as a bounce pass places its batch (routing.Pool): candidates read
    once per organization and channel, agents taken with SKIP LOCKED, so this never waits on another router
    while it holds its senders' locks. The routing loop is not woken for them: it would look again at every
    queued interaction, for which a new one changes nothing. One left unplaced because its agent was held
    elsewhere does wake it (QUEUE_MOVED, from place)."""
    pool = routing.Pool(claimed=list(opened), fresh=frozenset(i.id for i in opened))
    for interaction in opened:
        await routing.place(session, interaction=interaction, clock=clock, pool=pool)


async def _interactions_for(session: AsyncSession, rows: list[_Row], *,
                            clock: Clock) -> dict[tuple[int, str, str], Interaction]:
    """Each sender's open interaction, or a new one (one per sender, however many of its messages came)."""
    found = await _open_interactions(session, {r.key for r in rows})
    openings = {}
    for r in rows:
        if r.key not in found and r.key not in openings:
            openings[r.key] = interactions.Opening(r.organization_id, r.sender.channel, r.sender.number,
                                                   r.to.number, r.staged.received_at)
    opened = await interactions.open_contact_interactions(session, list(openings.values()), clock=clock)
    found.update(zip(openings, opened))
    if opened:
        await _route(session, opened, clock=clock)
    return found


async def _store(session: AsyncSession, rows: list[_Row], *, clock: Clock) -> None:
    """Each row's message into its sender's interaction, in the order the rows came; then its media jobs."""
    now = clock()
    targets = await _interactions_for(session, rows, clock=clock)
    stored = []
    for r in rows:
        message = interactions.append_customer_message(session, interaction=targets[r.key], body=r.staged.body,
                                                       at=r.staged.received_at, provider_id=r.staged.message_sid)
        stored.append((r, message))
    await session.flush()  # the messages' ids, for their rows and media jobs
    for r, message in stored:
        _done(r.staged, STORED, now, message)
        media = json.loads(r.staged.media) if r.staged.media else []
        if media:  # fetched by the media loop
            media_fetch.queue(session, message=message, urls=media, at=now)
            if not message.body:
                targets[r.key].last_text = _media_note(len(media))


async def _process(session: AsyncSession, claimed: list[InboundMessage], *, clock: Clock) -> int:
    """Store the claimed rows; returns how many were left pending behind an older message of their sender."""
    now = clock()
    rows = await _known(session, claimed, now)
    if not rows:
        return 0
    await lock_all_until_commit(session, {":".join(map(str, r.key)) for r in rows})  # one sender, one batch at a time
    behind = {r.staged.id for r in await _behind_older(session, rows, now)}
    rows = [r for r in rows if r.staged.id not in behind]
    duplicates = await _stored_already(session, rows) if rows else set()
    for r in rows:
        if r.staged.message_sid in duplicates:
            _done(r.staged, DUPLICATE, now)
    rows = [r for r in rows if r.staged.message_sid not in duplicates]
    if rows:
        await _store(session, rows, clock=clock)
    return len(behind)


async def _failed(db, row_id: int, error: str, *, clock: Clock) -> None:
    """Try again later, or, after the last attempt, give up where it shows: the row, the log, the audit trail."""
    now = clock()
    async with db.transaction() as session:
        [row] = await _claim(session, now=now, limit=1, ids=[row_id]) or [None]
        if row is None:
            return
        row.attempts += 1
        row.last_error = error[:500]
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.processed_at = "failed", now
            _log.error("inbound message %s from %s was not stored after %d attempts: %s", row.message_sid,
                       row.from_address, row.attempts, error)
            audit.record(session, at=now, kind="inbound.failed", subject=f"inbound:{row.message_sid}",
                         from_address=row.from_address, to_address=row.to_address, error=row.last_error)
        else:
            row.next_attempt_at = now + BACKOFF[row.attempts - 1]
        session.add(row)


async def _one_at_a_time(db, ids: list[int], *, clock: Clock) -> Pass:
    done = Pass()
    for row_id in ids:
        try:
            async with db.transaction() as session:
                claimed = await _claim(session, now=clock(), limit=1, ids=[row_id])
                done.claimed += len(claimed)
                done.deferred += await _process(session, claimed, clock=clock)
        except Exception as exc:  # noqa: BLE001 - recorded on the row, which is retried and then given up
            _log.exception("inbound message row %s failed", row_id)
            await _failed(db, row_id, f"{type(exc).__name__}: {exc}", clock=clock)
    return done


async def process_pending(db, *, clock: Clock, limit: int = BATCH) -> Pass:
    """One pass: claim up to `limit` due rows and store them in one transaction (one commit, one notice).
    Should the batch fail, its rows are stored again one at a time, so one bad row holds up only itself. New
    interactions are routed in the same transaction (`_route`)."""
    ids: list[int] = []
    try:
        async with db.transaction() as session:
            claimed = await _claim(session, now=clock(), limit=limit)
            ids = [row.id for row in claimed]
            deferred = await _process(session, claimed, clock=clock)
        return Pass(len(ids), deferred)
    except Exception:  # noqa: BLE001 - each row's own error surfaces below
        if not ids:
            raise
        _log.warning("a batch of %d inbound messages failed together; storing them one at a time", len(ids))
    return await _one_at_a_time(db, ids, clock=clock)
