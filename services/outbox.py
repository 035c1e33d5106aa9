"""The outbound-message outbox: a message for a customer's email or phone is a row first, sent after.

Rows are claimed with row locks, so any number of workers can deliver. Without a provider
configured, a row is held (visible to managers) and its message shows as queued, never as sent.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import aiosmtplib
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events
from services.auth import Identity
from services.clock import Clock
from services.config import Settings
from services.errors import NotFound, Refused
from services.models import Interaction, Message, Organization, OutboundMessage
from services.text import last_sentence

_log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
CLAIM_LEASE = timedelta(minutes=2)  # longer than any provider timeout (15 s); then the claim is stale


def provider_configured(settings: Settings, channel: str) -> bool:
    if channel == "email":
        return bool(settings.smtp_host)
    twilio = bool(settings.twilio_account_sid and settings.twilio_auth_token)
    if channel == "sms":
        return twilio and bool(settings.twilio_sms_from)
    if channel == "whatsapp":
        return twilio and bool(settings.twilio_whatsapp_from)
    return False


async def enqueue(session: AsyncSession, *, organization_id: int, channel: str, recipient: str, body: str,
                  clock: Clock, subject: str = "", purpose: str = "message",
                  message_id: int | None = None) -> OutboundMessage:
    row = OutboundMessage(organization_id=organization_id, channel=channel, recipient=recipient, body=body,
                          subject=subject, purpose=purpose, message_id=message_id, created_at=clock())
    session.add(row)
    await session.flush()
    return row


async def enqueue_for_message(session: AsyncSession, *, interaction: Interaction, message: Message,
                              clock: Clock) -> OutboundMessage:
    recipient = interaction.given_email if interaction.channel == "email" else interaction.given_phone
    return await enqueue(session, organization_id=interaction.organization_id, channel=interaction.channel,
                         recipient=recipient or "", body=message.body, clock=clock,
                         subject="Re: your message", message_id=message.id)


# --- delivery ---------------------------------------------------------------------------------

async def _send_email(settings: Settings, row: OutboundMessage) -> str:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = settings.smtp_from, row.recipient, row.subject or "Message"
    email.set_content(row.body)
    await aiosmtplib.send(email, hostname=settings.smtp_host, port=settings.smtp_port,
                          username=settings.smtp_username, password=settings.smtp_password,
                          start_tls=settings.smtp_starttls, timeout=15)
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
                  http_client=_BaseUrlClient(timeout=15))


async def _send_twilio(settings: Settings, row: OutboundMessage) -> str:
    sender = settings.twilio_sms_from if row.channel == "sms" else f"whatsapp:{settings.twilio_whatsapp_from}"
    to = row.recipient if row.channel == "sms" else f"whatsapp:{row.recipient}"

    def _create():
        return _twilio_client(settings).messages.create(to=to, from_=sender, body=row.body).sid

    return await asyncio.to_thread(_create)


async def send_now(settings: Settings, row: OutboundMessage) -> str:
    """Deliver one row through its provider; returns the provider's id. Raises on failure."""
    if row.channel == "email":
        return await _send_email(settings, row)
    return await _send_twilio(settings, row)


async def _settle(session: AsyncSession, row: OutboundMessage, *, ok: bool, provider_id: str, error: str,
                  clock: Clock) -> None:
    row.attempts += 1
    events.notify(session, events.outbox_topic(row.organization_id))
    if ok:
        row.status, row.provider_id, row.sent_at = "sent", provider_id or None, clock()
    elif row.attempts >= MAX_ATTEMPTS:
        row.status, row.last_error = "failed", error[:500]
    else:
        row.last_error = error[:500]
    session.add(row)
    if row.message_id and row.status in ("sent", "failed"):
        message = await session.get(Message, row.message_id)
        message.delivery_status = row.status
        message.failure_reason = "" if ok else f"Not delivered: {row.last_error}"
        session.add(message)
        events.notify(session, events.interaction_topic(message.interaction_id))
        interaction = await session.get(Interaction, message.interaction_id)
        if interaction.assignee_id:
            events.notify(session, events.agent_topic(interaction.assignee_id))


def _claimable(now):
    """Pending rows, and rows whose claim outlived its lease because the claiming worker died."""
    return or_(OutboundMessage.status == "pending",
               (OutboundMessage.status == "sending") & (col(OutboundMessage.claimed_at) < now - CLAIM_LEASE))


async def deliver_one(db, settings: Settings, *, outbound_id: int, clock: Clock) -> str:
    """Claim one pending row, send it outside the transaction, record the outcome. Returns its status."""
    async with db.transaction() as session:
        row = (await session.exec(select(OutboundMessage).where(
            OutboundMessage.id == outbound_id, _claimable(clock()))
            .with_for_update(skip_locked=True))).first()
        if row is None:
            return "claimed-elsewhere"
        if not provider_configured(settings, row.channel):
            row.status = "held"
            session.add(row)
            events.notify(session, events.outbox_topic(row.organization_id))
            return row.status
        row.status, row.claimed_at = "sending", clock()  # no other worker picks it while we talk to the provider
        session.add(row)
    try:
        provider_id, error, ok = await send_now(settings, row), "", True
    except Exception as exc:  # any provider failure is recorded, never raised into the UI
        provider_id, error, ok = "", f"{type(exc).__name__}: {exc}", False
    async with db.transaction() as session:
        row = await session.get(OutboundMessage, outbound_id, with_for_update=True)
        row.status = "pending"
        await _settle(session, row, ok=ok, provider_id=provider_id, error=error, clock=clock)
        return row.status


async def deliver_pending(db, settings: Settings, *, clock: Clock, limit: int = 50) -> int:
    async with db.read() as session:
        ids = (await session.exec(select(OutboundMessage.id).where(_claimable(clock()))
                                  .order_by(OutboundMessage.id).limit(limit))).all()
    for outbound_id in ids:
        await deliver_one(db, settings, outbound_id=outbound_id, clock=clock)
    return len(ids)


async def run_delivery_loop(db, settings: Settings, *, clock: Clock, interval: float = 1.0) -> None:
    while True:
        try:
            await deliver_pending(db, settings, clock=clock)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("outbox pass failed; retrying")
        await asyncio.sleep(interval)


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


async def listing(session: AsyncSession, *, identity: Identity) -> list[OutboxRow]:
    """The newest outbound messages of the manager's organizations, held and failed ones included."""
    if not identity.can(GRANT):
        return []
    rows = (await session.exec(
        select(OutboundMessage, Organization.name).join(Organization, Organization.id == OutboundMessage.organization_id)
        .where(col(OutboundMessage.organization_id).in_(identity.organization_ids))
        .order_by(col(OutboundMessage.id).desc()).limit(SHOWN_ROWS))).all()
    return [OutboxRow(outbound_id=row.id, organization_name=name, created_iso=row.created_at.isoformat(),
                      channel=row.channel, recipient=row.recipient, subject=row.subject,
                      preview=last_sentence(row.body, 80), status=row.status, attempts=row.attempts,
                      last_error=row.last_error) for row, name in rows]


async def retry(session: AsyncSession, *, identity: Identity, outbound_id: int, clock: Clock) -> None:
    """Send a held or failed row again, e.g. once a provider is configured. Its message shows queued again."""
    row = await session.get(OutboundMessage, outbound_id, with_for_update=True) if isinstance(outbound_id, int) else None
    if row is None or not identity.can(GRANT) or not identity.serves(row.organization_id):
        raise NotFound("That outbound message")
    if row.status not in ("held", "failed"):
        raise Refused("Only held or failed messages can be sent again.")
    row.status, row.attempts, row.last_error = "pending", 0, ""
    session.add(row)
    events.notify(session, events.outbox_topic(row.organization_id))
    if row.message_id:
        message = await session.get(Message, row.message_id)
        message.delivery_status, message.failure_reason = "queued", ""
        session.add(message)
        events.notify(session, events.interaction_topic(message.interaction_id))
    audit.record(session, at=clock(), kind="outbox.retried", actor_user_id=identity.user_id,
                 organization_id=row.organization_id, subject=f"outbound:{row.id}")
