"""The outbound-message outbox: a message for a customer's email or phone is a row first, sent after.

Rows are claimed with row locks, so any number of workers can deliver. Without a provider
configured, a row is held (visible to managers) and its message shows as queued, never as sent.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Callable

import aiosmtplib
from sqlalchemy import exists, func, update
from sqlalchemy.orm import aliased
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, formatting
from services.attachments import access, storage
from services.auth import Identity
from services.channels import delivery_status, email_compose
from services.channels.email_compose import EmailFields
from services.channels.numbers import twilio_address
from services.clock import Clock
from services.config import Settings
from services.errors import NotFound, Refused
from services.models import Attachment, Interaction, Message, Organization, OutboundMessage
from services.text import last_sentence

_log = logging.getLogger(__name__)


def provider_configured(settings: Settings, channel: str, sender: str | None = None) -> bool:
    """Can this row be sent? SMS and WhatsApp need Twilio's credentials and a number to send from: the
    row's own (the organization's number the customer wrote to) or the configured one."""
    if channel == "email":
        return bool(settings.smtp_host)
    twilio = bool(settings.twilio_account_sid and settings.twilio_auth_token)
    if channel == "sms":
        return twilio and bool(sender or settings.twilio_sms_from)
    if channel == "whatsapp":
        return twilio and bool(sender or settings.twilio_whatsapp_from)
    return False


async def enqueue(session: AsyncSession, *, organization_id: int, channel: str, recipient: str, body: str,
                  clock: Clock, subject: str = "", purpose: str = "message", message_id: int | None = None,
                  sender: str | None = None, content_sid: str | None = None,
                  content_variables: str = "") -> OutboundMessage:
    row = OutboundMessage(organization_id=organization_id, channel=channel, recipient=recipient, body=body,
                          subject=subject, purpose=purpose, message_id=message_id, created_at=clock(),
                          sender=sender, content_sid=content_sid, content_variables=content_variables)
    session.add(row)
    await session.flush()
    return row


async def enqueue_for_message(session: AsyncSession, *, interaction: Interaction, message: Message,
                              clock: Clock, content_sid: str | None = None, content_variables: str = "",
                              channel: str | None = None, sender: str | None = None,
                              email: EmailFields | None = None) -> OutboundMessage:
    """A reply goes back the way the customer came, or by `channel` (Reply via): SMS and WhatsApp as plain
    text, from `sender` (our number they wrote to, or the organization's), to the number they wrote from."""
    channel = channel or interaction.channel
    if channel == "email":  # the composer's checked fields; without them, the customer and the case's subject
        email = email or await email_compose.defaults(session, interaction)
        row = await enqueue(session, organization_id=interaction.organization_id, channel="email",
                            recipient=email.to, body=formatting.as_plain(message.body, message.body_format),
                            clock=clock, subject=email.subject, message_id=message.id)
        row.cc, row.html = email.cc, formatting.shown_html(message.body, message.body_format)
        return row
    return await enqueue(session, organization_id=interaction.organization_id, channel=channel,
                         recipient=interaction.given_phone or "", clock=clock,
                         body=formatting.as_plain(message.body, message.body_format),
                         message_id=message.id, sender=sender or interaction.channel_number,
                         content_sid=content_sid, content_variables=content_variables)


# --- delivery ---------------------------------------------------------------------------------
#
# A pass claims a batch of due rows in one short transaction (status `sending`, the attempt counted),
# talks to the providers outside any transaction, then settles each row in its own short
# transaction, fenced on the claim: a worker whose lease ran out and whose row was claimed again
# since changes nothing.

SEND_TIMEOUT = timedelta(seconds=15)  # a provider call is given up after this long
CLAIM_LEASE = timedelta(minutes=2)  # longer than any provider call; then the claim is stale and taken over
# A failed attempt waits before the next, longer each time, so an outage is not hammered every second;
# the attempt after the last wait is the final one.
BACKOFF = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(BACKOFF) + 1
JITTER = 0.2  # ±20 %: rows that failed together (one outage) do not all come back in the same second
SENDS_AT_ONCE = 8  # provider calls in flight per worker, so a claimed batch is sent well within its lease

Jitter = Callable[[timedelta], timedelta]
_jitter_source = random.Random()


def jittered(delay: timedelta, *, rng: random.Random = _jitter_source) -> timedelta:
    """`delay` spread by up to ±JITTER."""
    return delay * rng.uniform(1 - JITTER, 1 + JITTER)


def email_message_id(settings: Settings, row: OutboundMessage) -> str:
    """The same Message-ID every time this row is sent, so a resend is recognisably the same mail.

    Mail servers and clients drop or thread a repeated Message-ID. The creation time keeps it unique if
    row ids are ever reused (a database rebuilt), so a new message is never mistaken for an old one.
    """
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "agent-inbox.local"
    return f"<outbound.{row.id}.{row.created_at:%Y%m%d%H%M%S}@{domain}>"


@dataclass(frozen=True)
class EmailFile:
    filename: str
    content_type: str
    data: bytes


async def _email_parts(db, settings: Settings,
                       row: OutboundMessage) -> tuple[list[EmailFile], email_compose.Threading | None]:
    """An agent's email reply: its files (read from ATTACHMENTS_DIR, outside any transaction), our signed reply
    address and the customer's last Message-ID, in one read. A passcode has neither."""
    if row.channel != "email" or row.message_id is None:
        return [], None
    async with db.read() as session:
        attached = (await session.exec(select(Attachment).where(Attachment.message_id == row.message_id)
                                       .order_by(Attachment.id))).all()
        thread = await email_compose.threading_for(session, secret_key=settings.secret_key, message_id=row.message_id)
    root = settings.attachments_dir

    def _read() -> list[EmailFile]:
        return [EmailFile(a.filename, a.content_type, storage.full_path(root, a.storage_path).read_bytes())
                for a in attached]

    return (await asyncio.to_thread(_read) if attached else []), thread


async def _send_email(settings: Settings, row: OutboundMessage, files: list[EmailFile] | None = None,
                      thread: email_compose.Threading | None = None) -> str:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = settings.smtp_from, row.recipient, row.subject or "Message"
    if row.cc:
        email["Cc"] = row.cc
    if row.id is not None:  # a passcode is sent straight, not from an outbox row
        email["Message-ID"] = email_message_id(settings, row)
    if thread and thread.reply_to:  # the customer's reply comes back to this interaction (services/channels/email)
        email["Reply-To"] = thread.reply_to
    if thread and thread.in_reply_to:
        email["In-Reply-To"], email["References"] = thread.in_reply_to, thread.references
    email.set_content(row.body)
    if row.html:  # the composer's formatting: the HTML, beside the same text for plain readers
        email.add_alternative(row.html, subtype="html")
    for file in files or []:
        maintype, _, subtype = file.content_type.partition("/")
        email.add_attachment(file.data, maintype=maintype, subtype=subtype or "octet-stream",
                             filename=file.filename)
    await aiosmtplib.send(email, hostname=settings.smtp_host, port=settings.smtp_port,
                          username=settings.smtp_username, password=settings.smtp_password,
                          start_tls=settings.smtp_starttls, timeout=SEND_TIMEOUT.total_seconds())
    return ""


def _twilio_client(settings: Settings):
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    base = settings.twilio_api_base

    class _BaseUrlClient(TwilioHttpClient):
        """Sends Twilio's REST calls to TWILIO_API_BASE (a stand-in in tests) when it is set."""

        def request(self, method, url, *args, **kwargs):
            if base:
                url = url.replace("https://api.twilio.com", base)
            return super().request(method, url, *args, **kwargs)

    return Client(settings.twilio_account_sid, settings.twilio_auth_token,
                  http_client=_BaseUrlClient(timeout=SEND_TIMEOUT.total_seconds()))


STATUS_CALLBACK_PATH = "/webhooks/twilio/status"


def _twilio_message(settings: Settings, row: OutboundMessage, media: list[str] | None = None) -> dict:
    """The arguments of messages.create: from our number, with the status callback, as text or a template,
    and the message's files as links Twilio fetches (signed, short-lived: Twilio has no cookie of ours)."""
    configured = settings.twilio_sms_from if row.channel == "sms" else settings.twilio_whatsapp_from
    message = {"to": twilio_address(row.channel, row.recipient),
               "from_": twilio_address(row.channel, row.sender or configured)}
    if row.purpose != "otp":  # a passcode has no message in a conversation for its status to move
        message["status_callback"] = settings.public_base_url + STATUS_CALLBACK_PATH
    if row.content_sid:
        message.update(content_sid=row.content_sid, content_variables=row.content_variables or None)
    else:
        message["body"] = row.body
        if media:
            message["media_url"] = media
    return message


async def _media_links(db, settings: Settings, row: OutboundMessage, clock: Clock) -> list[str]:
    """Links to the files of the row's message, made as it is sent, so they outlive the send, not the day."""
    if row.channel not in ("sms", "whatsapp") or not row.message_id or row.content_sid:
        return []
    async with db.read() as session:
        files = (await session.exec(select(Attachment).where(Attachment.message_id == row.message_id)
                                    .order_by(Attachment.id))).all()
    expires = access.link_expiry(clock(), access.MEDIA_LINK_LIFETIME)
    return [settings.public_base_url + access.signed_path(settings.secret_key, attachment_id=file.id,
                                                          filename=file.filename, variant="file", expires=expires)
            for file in files]


async def _send_twilio(settings: Settings, row: OutboundMessage, media: list[str] | None = None) -> str:
    # Twilio's Messages API takes no idempotency key (its I-Twilio-Idempotency-Token header only comes
    # on the webhooks Twilio sends us), so a send whose claim was taken over after its lease can reach
    # the customer twice. The fenced settle still records the row once; the lease keeps this rare.
    message = _twilio_message(settings, row, media)

    def _create():
        return _twilio_client(settings).messages.create(**message).sid

    return await asyncio.to_thread(_create)


async def send_now(settings: Settings, row: OutboundMessage, media: list[str] | None = None,
                   files: list[EmailFile] | None = None, thread: email_compose.Threading | None = None) -> str:
    """Deliver one row through its provider; returns the provider's id. Raises on failure."""
    if row.channel == "email":
        return await _send_email(settings, row, files, thread)
    return await _send_twilio(settings, row, media)


def _due(now):
    """Pending rows whose backoff is over, and claims that outlived their lease (their worker died or hung)."""
    waited = or_(col(OutboundMessage.next_attempt_at).is_(None), col(OutboundMessage.next_attempt_at) <= now)
    return or_((OutboundMessage.status == "pending") & waited,
               (OutboundMessage.status == "sending") & (col(OutboundMessage.claimed_at) < now - CLAIM_LEASE))


def _still_ours(row: OutboundMessage):
    """The claim this worker made, checked inside the UPDATE, so no read-then-write race is left."""
    return (OutboundMessage.id == row.id, OutboundMessage.status == "sending",
            OutboundMessage.claimed_at == row.claimed_at, OutboundMessage.attempts == row.attempts)


async def _claim_batch(db, settings: Settings, *, clock: Clock, limit: int) -> list[OutboundMessage]:
    """Take up to `limit` due rows in one transaction: claim those a provider can send, hold the others.

    SKIP LOCKED lets workers claim side by side on PostgreSQL. SQLAlchemy leaves it out on SQLite, which
    has one writer at a time (and refuses a stale writer), so a row is claimed once there too.
    """
    now = clock()
    async with db.transaction() as session:
        due = (await session.exec(select(OutboundMessage).where(_due(now), _not_behind_one_in_flight(now))
                                  .order_by(OutboundMessage.id).limit(limit).with_for_update(skip_locked=True))).all()
        rows = await _in_turn(session, due, now)
        for row in rows:
            if provider_configured(settings, row.channel, row.sender):
                # Counted as it starts: the attempt number fences this claim, and a row that kills
                # its worker every time still runs out of attempts.
                row.status, row.claimed_at, row.attempts = "sending", now, row.attempts + 1
            else:
                row.status = "held"
                events.notify(session, events.outbox_topic(row.organization_id))
            session.add(row)
    return list(rows)


def _thread(channel: str, sender: str | None, recipient: str) -> tuple:
    """Whose messages must keep their order: one sender's to one recipient (another organization's number is
    another conversation on the phone)."""
    return channel, sender or "", recipient


def _not_behind_one_in_flight(now):
    """Rows whose thread has an older message being sent are left out of the claim, so that rows which must
    wait never fill a batch and hold up everybody else's."""
    older = aliased(OutboundMessage)
    return ~exists().where(older.recipient == OutboundMessage.recipient, older.channel == OutboundMessage.channel,
                           func.coalesce(older.sender, "") == func.coalesce(OutboundMessage.sender, ""),
                           older.status == "sending", col(older.claimed_at) >= now - CLAIM_LEASE,
                           col(older.id) < OutboundMessage.id)


async def _in_turn(session: AsyncSession, due: list[OutboundMessage], now) -> list[OutboundMessage]:
    """Of the rows this claim locked, those whose turn it is: a thread's messages go out oldest first.

    A thread's unsettled messages (due, or in flight with any worker) are read in one statement, in order;
    this claim takes its rows from the oldest while they are its own. So a newer reply waits while an older one
    is being sent by another worker or pass (it would otherwise overtake it on the phone), and also when another
    worker's claim, not yet committed, holds the older row locked: that one still reads as due here. A row
    waiting out its backoff after a failed attempt holds nobody up.
    """
    if not due:
        return []
    unsettled = (await session.exec(
        select(OutboundMessage.id, OutboundMessage.channel, OutboundMessage.sender, OutboundMessage.recipient)
        .where(col(OutboundMessage.recipient).in_({row.recipient for row in due}),
               or_(_due(now), OutboundMessage.status == "sending"))
        .order_by(OutboundMessage.id))).all()
    ours = {row.id: row for row in due}
    taken, blocked = [], set()
    for row_id, channel, sender, recipient in unsettled:
        thread = _thread(channel, sender, recipient)
        if thread in blocked:
            continue
        if row_id in ours:
            taken.append(ours[row_id])
        else:
            blocked.add(thread)  # an older one is someone else's: this thread waits
    return taken


def _outcome(row: OutboundMessage, *, provider_id: str, error: str | None, now, jitter: Jitter) -> dict:
    """The row's columns after this attempt: sent, back to pending after a wait, or failed for good."""
    if error is None:
        return {"status": "sent", "provider_id": provider_id or None, "sent_at": now, "next_attempt_at": None}
    if row.attempts >= MAX_ATTEMPTS:
        return {"status": "failed", "last_error": error[:500], "next_attempt_at": None}
    return {"status": "pending", "last_error": error[:500],
            "next_attempt_at": now + jitter(BACKOFF[row.attempts - 1])}


async def _show_on_message(session: AsyncSession, message_id: int, outcome: dict) -> None:
    """A final outcome shows on the conversation's message, and its agent is told. The provider's id goes on
    the message too, so Twilio's status callbacks find it and move it on from "sent"."""
    message = await session.get(Message, message_id)
    message.delivery_status = outcome["status"]
    message.failure_reason = f"Not delivered: {outcome['last_error']}" if outcome["status"] == "failed" else ""
    if outcome.get("provider_id"):
        message.provider_id = outcome["provider_id"]
        await delivery_status.apply_early(session, message)  # Twilio may have called back already
    session.add(message)
    events.notify_interaction(session, await session.get(Interaction, message.interaction_id))


async def _settle(db, row: OutboundMessage, *, provider_id: str, error: str | None, clock: Clock,
                  jitter: Jitter) -> str:
    """Record the provider's answer if the claim is still ours; returns the row's status, or "claim-lost"."""
    outcome = _outcome(row, provider_id=provider_id, error=error, now=clock(), jitter=jitter)
    async with db.transaction() as session:
        settled = await session.exec(update(OutboundMessage).where(*_still_ours(row)).values(**outcome))
        if settled.rowcount != 1:
            _log.warning("outbound %s: the claim of attempt %s was taken over after its lease; its outcome "
                         "(%s) is not recorded", row.id, row.attempts, outcome["status"])
            return "claim-lost"
        events.notify(session, events.outbox_topic(row.organization_id))
        if row.message_id and outcome["status"] in ("sent", "failed"):
            await _show_on_message(session, row.message_id, outcome)
    return outcome["status"]


async def _release(db, row: OutboundMessage) -> str:
    """Give back a claim unsent, the attempt uncounted, when its lease could run out during the call."""
    async with db.transaction() as session:
        await session.exec(update(OutboundMessage).where(*_still_ours(row))
                           .values(status="pending", claimed_at=None, attempts=row.attempts - 1))
    return "released"


async def _deliver_claimed(db, settings: Settings, row: OutboundMessage, *, clock: Clock, jitter: Jitter) -> str:
    if clock() + SEND_TIMEOUT >= row.claimed_at + CLAIM_LEASE:
        # It waited its turn so long that another worker could take it over mid-call and send it too.
        return await _release(db, row)
    try:
        media, (files, thread) = await _media_links(db, settings, row, clock), await _email_parts(db, settings, row)
        provider_id, error = await send_now(settings, row, media, files, thread), None
    except Exception as exc:  # any provider failure is recorded, never raised into the UI
        provider_id, error = "", f"{type(exc).__name__}: {exc}"
    return await _settle(db, row, provider_id=provider_id, error=error, clock=clock, jitter=jitter)


async def deliver_pending(db, settings: Settings, *, clock: Clock, limit: int = 50,
                          jitter: Jitter = jittered) -> int:
    """One pass of the delivery loop: claim due rows, send them a few at a time. Returns how many it took."""
    rows = await _claim_batch(db, settings, clock=clock, limit=limit)
    in_flight = asyncio.Semaphore(SENDS_AT_ONCE)
    # One recipient's messages go one after the other, oldest first, so two replies never reach a phone in
    # the wrong order; different recipients' go side by side.
    queues: dict[tuple[str, str], list[OutboundMessage]] = {}
    for row in rows:
        if row.status == "sending":
            queues.setdefault((row.channel, row.recipient), []).append(row)

    async def deliver_in_order(queue: list[OutboundMessage]) -> list[BaseException]:
        failures = []
        for row in queue:
            async with in_flight:
                try:
                    await _deliver_claimed(db, settings, row, clock=clock, jitter=jitter)
                except Exception as failure:  # one row's database error does not orphan the rest
                    failures.append(failure)
        return failures

    for failures in await asyncio.gather(*(deliver_in_order(queue) for queue in queues.values())):
        if failures:
            raise failures[0]
    return len(rows)


async def run_delivery_loop(db, settings: Settings, *, clock: Clock, interval: float = 1.0) -> None:
    while True:
        try:
            await deliver_pending(db, settings, clock=clock)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("outbox pass failed; retrying")
        await asyncio.sleep(interval)  # wall time is fine here: when a row is due is decided by `clock`


# --- the managers' view -------------------------------------------------------------------------

GRANT = "outbox"
SHOWN_ROWS = 200


@dataclass(frozen=True)
class OutboxRow:
    outbound_id: int
    organization_name: str
    created_iso: str
    channel: str
    recipient: str
    subject: str
    preview: str
    status: str
    attempts: int
    last_error: str
    delivery: str = ""  # once sent: what Twilio's callbacks say since (delivered, read, undelivered, failed)


async def listing(session: AsyncSession, *, identity: Identity) -> list[OutboxRow]:
    """The newest outbound messages of the manager's organizations, held and failed ones included."""
    if not identity.can(GRANT):
        return []
    rows = (await session.exec(
        select(OutboundMessage, Organization.name, Message.delivery_status)
        .join(Organization, Organization.id == OutboundMessage.organization_id)
        .outerjoin(Message, Message.id == OutboundMessage.message_id)
        .where(col(OutboundMessage.organization_id).in_(identity.organization_ids))
        .order_by(col(OutboundMessage.id).desc()).limit(SHOWN_ROWS))).all()
    return [OutboxRow(outbound_id=row.id, organization_name=name, created_iso=row.created_at.isoformat(),
                      channel=row.channel, recipient=row.recipient, subject=row.subject,
                      preview=last_sentence(row.body, 80), status=row.status, attempts=row.attempts,
                      last_error=row.last_error, delivery=_after_sending(row, delivery))
            for row, name, delivery in rows]


def _after_sending(row: OutboundMessage, delivery: str | None) -> str:
    """Twilio's callbacks move the conversation's message on after the outbox sent it; shown beside "sent"."""
    moved = row.status == "sent" and row.channel in ("sms", "whatsapp")
    return delivery if moved and delivery in ("delivered", "read", "undelivered", "failed") else ""


async def retry(session: AsyncSession, *, identity: Identity, outbound_id: int, clock: Clock) -> None:
    """Send a held or failed row again, e.g. once a provider is configured. Its message shows queued again."""
    row = await session.get(OutboundMessage, outbound_id, with_for_update=True) if isinstance(outbound_id, int) else None
    if row is None or not identity.can(GRANT) or not identity.serves(row.organization_id):
        raise NotFound("That outbound message")
    if row.status not in ("held", "failed"):
        raise Refused("Only held or failed messages can be sent again.")
    row.status, row.attempts, row.last_error = "pending", 0, ""
    row.next_attempt_at, row.claimed_at = None, None  # due now, whatever wait the last failure left
    session.add(row)
    events.notify(session, events.outbox_topic(row.organization_id))
    if row.message_id:
        message = await session.get(Message, row.message_id)
        message.delivery_status, message.failure_reason = "queued", ""
        session.add(message)
        events.notify(session, events.interaction_topic(message.interaction_id))
    audit.record(session, at=clock(), kind="outbox.retried", actor_user_id=identity.user_id,
                 organization_id=row.organization_id, subject=f"outbound:{row.id}")
