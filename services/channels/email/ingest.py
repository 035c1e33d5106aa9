"""One fetched email, stored once (by Message-ID) in one transaction with the mailbox cursor's move, so that a
restart between fetch and commit fetches it again and a restart after the commit never repeats it.

Where it goes: the organization whose inbound address it was written to; then the conversation it answers
(threading.py) when its sender is believed, else, for a reply that fails authentication, a new unverified
interaction on a new case with a visible warning; otherwise it joins the sender's open email interaction, or
opens one that joins their open case or a new one and is routed like any channel (capacity `email`).
Auto-replies and mail to an address no organization has are recorded (so they are not fetched again) and
nothing else.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from services import interactions
from services.attachments import rules, staging
from services.channels.email import authentication, threading, tokens
from services.channels.email.parsing import ParsedEmail, parse
from services.clock import Clock
from services.db import lock_until_commit
from services.errors import Refused
from services.models import Case, EmailRecord, Interaction, MailboxCursor, Organization
from services.text import MAX_MESSAGE_CHARS

_log = logging.getLogger(__name__)

STORED, THREADED, UNVERIFIED = "stored", "threaded", "unverified"
AUTO_REPLY, UNKNOWN_ADDRESS, DUPLICATE = "auto-reply", "unknown-address", "duplicate"
UNVERIFIED_NOTE = ("This email answers one of our conversations, but its sender could not be verified: it may "
                   "not be from the customer. It was kept apart from that case.")


class LeaseLost(Exception):
    """Another worker holds the mailbox now: what this one fetched is left for it."""


@dataclass(frozen=True)
class Position:
    """Where the mail was in the mailbox, and who may move the cursor past it."""

    mailbox: str
    uidvalidity: int
    uid: int
    owner: str
    lease_until: datetime  # each committed mail renews the lease: a long pass keeps it


@dataclass(frozen=True)
class Prepared:
    parsed: ParsedEmail
    files: tuple  # staging.Prepared, checked off the event loop
    refusals: tuple[str, ...]


async def prepare(raw: bytes) -> Prepared:
    """Parse, and check each attachment by the email rules; a refused file is named, the rest still arrive."""
    parsed = await asyncio.to_thread(parse, raw)  # off the loop: the poller parses the next mail while this one is stored
    files, refusals = [], []
    for number, part in enumerate(parsed.attachments, start=1):
        if number > rules.EMAIL_RULES.max_files:
            refusals.append(f"{part.filename}: {rules.too_many(rules.EMAIL_RULES, number)}")
            continue
        try:
            if message := rules.too_large(rules.EMAIL_RULES, part.filename, len(part.data)):
                raise Refused(message)
            files.extend(await staging.prepare([staging.Upload(part.filename, part.data)], rules.EMAIL_RULES))
        except Refused as refused:
            refusals.append(str(refused))
    return Prepared(parsed, tuple(files), tuple(refusals))


async def _advance(session: AsyncSession, position: Position | None) -> None:
    if position is None:
        return
    moved = await session.exec(update(MailboxCursor).where(
        MailboxCursor.mailbox == position.mailbox, MailboxCursor.uidvalidity == position.uidvalidity,
        MailboxCursor.lease_owner == position.owner).values(
        last_uid=position.uid, lease_until=position.lease_until))
    if moved.rowcount != 1:
        raise LeaseLost(position.mailbox)


async def _organization(session: AsyncSession, parsed: ParsedEmail) -> Organization | None:
    addresses = frozenset(tokens.split_address(recipient)[0] for recipient in parsed.recipients)
    if not addresses:
        return None
    known = session.info.setdefault("email_organizations", {})  # a group's mails mostly go to one address
    if addresses not in known:
        known[addresses] = (await session.exec(select(Organization).where(
            col(Organization.inbound_email).in_(addresses)).order_by(Organization.id).limit(1))).first()
    return known[addresses]


async def _open_email_interaction(session: AsyncSession, organization_id: int, address: str):
    return (await session.exec(select(Interaction).where(
        Interaction.organization_id == organization_id, Interaction.channel == "email",
        Interaction.given_email == address, Interaction.state != "closed", ~col(Interaction.sender_unverified))
        .order_by(col(Interaction.id).desc()).limit(1).with_for_update())).first()


def _names(parsed: ParsedEmail) -> tuple[str, str]:
    first, _, last = parsed.from_name.partition(" ")
    return first[:100], last[:100]


async def _new(session, organization, parsed, clock, *, case=None, new_case=False) -> Interaction:
    first, last = _names(parsed)
    return await interactions.open_interaction(
        session, organization_id=organization.id, channel="email", clock=clock, email=parsed.from_address,
        first_name=first, last_name=last, route_now=False, case=case, new_case=new_case)


async def _destination(session, organization, parsed, *, clock, secret_key, authserv_id) -> tuple[Interaction, str]:
    match = await threading.find(session, organization=organization, parsed=parsed, secret_key=secret_key)
    if match is not None:
        authenticated = authentication.sender_authenticated(
            parsed.authentication_results, from_address=parsed.from_address, authserv_id=authserv_id)
        contact = await threading.is_contact(session, case_id=match.interaction.case_id, address=parsed.from_address)
        if contact and threading.believed(match, authenticated=authenticated):
            target = await interactions.locked_interaction(session, interaction_id=match.interaction.id)
            if target.state != "closed":
                return target, THREADED
            case = await session.get(Case, target.case_id, with_for_update=True)
            return await _new(session, organization, parsed, clock, case=case), THREADED
        interaction = await _new(session, organization, parsed, clock, new_case=True)
        interaction.sender_unverified = True
        interactions.add_system_message(session, interaction=interaction, body=UNVERIFIED_NOTE, at=clock(),
                                        internal=True)
        return interaction, UNVERIFIED
    existing = await _open_email_interaction(session, organization.id, parsed.from_address)
    return existing or await _new(session, organization, parsed, clock), STORED


def _body(parsed: ParsedEmail) -> str:
    shown = parsed.shown or parsed.full_text
    if parsed.subject:
        shown = f"{parsed.subject}\n\n{shown}" if shown else parsed.subject
    return shown[:MAX_MESSAGE_CHARS]


def _record(parsed: ParsedEmail, outcome: str, at, *, organization=None, message=None, interaction=None):
    return EmailRecord(rfc_message_id=parsed.message_id, organization_id=organization.id if organization else None,
                       message_id=message.id if message else None,
                       interaction_id=interaction.id if interaction else None, outcome=outcome,
                       from_address=parsed.from_address[:254], subject=parsed.subject[:500],
                       in_reply_to=parsed.in_reply_to, full_text=parsed.full_text, html=parsed.html, received_at=at)


async def _store(session, prepared: Prepared, *, clock, root: Path, secret_key, authserv_id) -> str:
    parsed = prepared.parsed
    if (await session.exec(select(EmailRecord.id).where(EmailRecord.rfc_message_id == parsed.message_id))).first():
        return DUPLICATE
    organization = await _organization(session, parsed)
    if organization is None or parsed.auto_reply:
        outcome = AUTO_REPLY if parsed.auto_reply else UNKNOWN_ADDRESS
        session.add(_record(parsed, outcome, clock(), organization=organization))
        return outcome
    await lock_until_commit(session, f"{organization.id}:email:{parsed.from_address}")
    interaction, outcome = await _destination(session, organization, parsed, clock=clock, secret_key=secret_key,
                                              authserv_id=authserv_id)
    message = interactions.append_customer_message(session, interaction=interaction, body=_body(parsed), at=clock())
    message.original_email, message.sender_unverified = True, outcome == UNVERIFIED
    await session.flush()
    for ready in prepared.files:
        await staging.receive(session, message=message, interaction=interaction, ready=ready, root=root, at=clock())
    for refusal in prepared.refusals:
        interactions.add_system_message(session, interaction=interaction, at=clock(), internal=True,
                                        body=f"A file the customer sent was not accepted: {refusal}")
    session.add(_record(parsed, outcome, clock(), organization=organization, message=message,
                        interaction=interaction))
    await session.flush()  # a concurrent copy of the same Message-ID fails here, on the unique index
    return outcome


async def ingest(db, raw: bytes, *, clock: Clock, root: Path, secret_key: str, authserv_id: str | None = None,
                 position: Position | None = None, prepared: Prepared | None = None) -> str:
    """Store one email and move the cursor past it, together; returns what became of it. Two copies of one
    Message-ID racing each other meet on the unique index. `prepared`: parsed already (the poller's pipeline)."""
    prepared = prepared or await prepare(raw)
    try:
        async with db.transaction() as session:
            outcome = await _store(session, prepared, clock=clock, root=root, secret_key=secret_key,
                                   authserv_id=authserv_id)
            await _advance(session, position)
            return outcome
    except IntegrityError:
        async with db.transaction() as session:  # stored meanwhile by a copy that ran alongside: only move on
            if not (await session.exec(select(EmailRecord.id).where(
                    EmailRecord.rfc_message_id == prepared.parsed.message_id))).first():
                raise
            await _advance(session, position)
        return DUPLICATE


@dataclass(frozen=True)
class Fetched:
    raw: bytes
    prepared: Prepared
    position: Position


async def ingest_group(db, group: list[Fetched], *, clock: Clock, root: Path, secret_key: str,
                       authserv_id: str | None = None) -> list[str]:
    """Several mails in one transaction, the cursor moved past the last: one commit (one WAL flush on PostgreSQL)
    instead of one per mail, which is most of the cost of a full mailbox. A crash loses the group's commit only,
    and the group is fetched again. Should any mail fail, the group is stored again one mail at a time, so one
    bad mail holds up only itself."""
    try:
        async with db.transaction() as session:
            outcomes = [await _store(session, item.prepared, clock=clock, root=root, secret_key=secret_key,
                                     authserv_id=authserv_id) for item in group]
            await _advance(session, group[-1].position)
            return outcomes
    except LeaseLost:
        raise
    except Exception:  # noqa: BLE001 - retried one by one below, where each mail's own error surfaces
        _log.warning("a group of %d mails failed together; storing them one at a time", len(group))
    return [await ingest(db, item.raw, clock=clock, root=root, secret_key=secret_key, authserv_id=authserv_id,
                         position=item.position, prepared=item.prepared) for item in group]
