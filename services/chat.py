"""The companion Live Chat, from the customer's side.

A customer holds a random chat token (kept in their browser); only its keyed hash is stored.
A verified start carries the retailer's signed identity: HMAC-SHA256 with the organization's chat
identity secret over "{org_slug}:{external_id}", or over "{org_slug}:{external_id}:{expires}" for a link
that stops working after `expires` (unix seconds), compared in constant time. An organization can
require `expires`, so that a leaked link is not a permanent impersonation.

Starting chats is rate-limited per client address and per organization: each start creates an
interaction that agents must handle.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, inactivity, interactions, rate_limit
from services.clock import Clock
from services.errors import NotFound, Refused
from services.models import CsatRating, Customer, Interaction, Message, Organization

CHAT_STARTS_PER_ADDRESS = 10  # a minute, by default; the Live Chat passes RATE_LIMIT_CHAT_STARTS
CHAT_STARTS_PER_ORGANIZATION = 120  # a minute, across all addresses: a flood from many addresses stops too
_MAX_EXPIRES_DIGITS = 12  # unix seconds for the next 30,000 years; longer is not a time


def sign_identity(secret: str, org_slug: str, external_id: str, expires: int | str | None = None) -> str:
    """The retailer's signature; with `expires` the link stops working after that unix time."""
    signed = f"{org_slug}:{external_id}" if expires is None else f"{org_slug}:{external_id}:{expires}"
    return hmac.new(secret.encode(), signed.encode(), hashlib.sha256).hexdigest()


def _token_hash(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), b"chat:" + token.encode(), hashlib.sha256).hexdigest()


async def organization_by_slug(session: AsyncSession, slug: str) -> Organization:
    org = (await session.exec(select(Organization).where(Organization.slug == slug))).first()
    if org is None:
        raise NotFound("That organization")
    return org


def _is_unix_seconds(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and len(raw) <= _MAX_EXPIRES_DIGITS


def _signature_holds(organization: Organization, external_id: str, signature: str, expires: str,
                     clock: Clock) -> bool:
    if expires:
        if not _is_unix_seconds(expires):
            return False
    elif organization.require_expiring_chat_links:
        return False
    expected = sign_identity(organization.chat_identity_secret, organization.slug, external_id, expires or None)
    # Bytes: compare_digest refuses non-ASCII text with a TypeError, and a forged link must not be an error.
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        return False
    # Still valid in the second it names; refused from the next one on.
    return not expires or clock().timestamp() <= int(expires)


async def verified_customer(session: AsyncSession, *, organization: Organization, external_id: str,
                            signature: str, clock: Clock, expires: str = "") -> Customer | None:
    """The customer the retailer vouches for, or None: a missing, bad or expired signature is never verified,
    nor a link without `expires` when the organization requires it."""
    if not external_id or not signature:
        return None
    if not _signature_holds(organization, external_id, signature, expires.strip(), clock):
        return None
    return (await session.exec(select(Customer).where(
        Customer.organization_id == organization.id, Customer.external_id == external_id))).first()


def normalise_email(raw: str) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Refused("Enter a valid email address.") from None


def normalise_phone(raw: str) -> str | None:
    """E.164, and only with a country code: '+1 415 555 0100', never a bare local number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise Refused("Enter the phone number with its country code, like +1 415 555 0100.") from None
    if not phonenumbers.is_valid_number(number):
        raise Refused("That phone number is not valid.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class ChatStart:
    interaction_id: int
    token: str


def _seconds(n: int) -> str:
    return f"{n} second{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class _Contact:
    first_name: str
    last_name: str
    email: str | None
    phone: str | None


def _contact(*, first_name: str, last_name: str, email: str, phone: str, customer: Customer | None) -> _Contact:
    """Who is starting the chat: the verified customer's record, or the start form, checked."""
    if customer is not None:
        return _Contact(customer.first_name, customer.last_name, customer.email, customer.phone)
    first_name, last_name = first_name.strip()[:100], last_name.strip()[:100]
    if not first_name or not last_name:
        raise Refused("Enter your first and last name.")
    email_n, phone_n = normalise_email(email), normalise_phone(phone)
    if not email_n and not phone_n:
        raise Refused("Enter your email or your phone number.")
    return _Contact(first_name, last_name, email_n, phone_n)


async def _refusal(session: AsyncSession, *, organization: Organization, client_address: str,
                   address_limit: int, organization_limit: int, clock: Clock) -> str:
    """Count this start against its address and its organization; the reason it must wait, or ""."""
    address = (client_address or "").strip() or "unknown"  # no address: all such clients share one allowance
    verdict = await rate_limit.hit(session, key=f"chat-start:address:{address}", limit=address_limit, clock=clock)
    if not verdict.allowed:
        return f"Too many chats started from here. Try again in {_seconds(verdict.retry_after_seconds)}."
    verdict = await rate_limit.hit(session, key=f"chat-start:org:{organization.id}",
                                   limit=organization_limit, clock=clock)
    if not verdict.allowed:
        return f"Too many chats are being started right now. Try again in {_seconds(verdict.retry_after_seconds)}."
    return ""


async def _open_chat(session: AsyncSession, *, organization: Organization, contact: _Contact, secret_key: str,
                     clock: Clock, customer: Customer | None) -> ChatStart:
    token = secrets.token_urlsafe(32)
    interaction = await interactions.open_interaction(
        session, organization_id=organization.id, channel="chat", clock=clock, customer=customer,
        first_name=contact.first_name, last_name=contact.last_name, email=contact.email, phone=contact.phone,
        chat_token_hash=_token_hash(secret_key, token))
    interactions.add_system_message(session, interaction=interaction, at=clock(),
                                    body=f"Chat started with {organization.name}.")
    inactivity.start(interaction, organization, clock())
    return ChatStart(interaction_id=interaction.id, token=token)


async def start_chat(session: AsyncSession, *, organization: Organization, secret_key: str, clock: Clock,
                     first_name: str = "", last_name: str = "", email: str = "", phone: str = "",
                     customer: Customer | None = None) -> ChatStart:
    """Open a chat for the start form (or a verified customer), without counting it: for callers that are
    not a visitor's browser. The Live Chat goes through `start_visitor_chat`."""
    contact = _contact(first_name=first_name, last_name=last_name, email=email, phone=phone, customer=customer)
    return await _open_chat(session, organization=organization, contact=contact, secret_key=secret_key,
                            clock=clock, customer=customer)


async def start_visitor_chat(db, *, org_slug: str, client_address: str, secret_key: str, clock: Clock,
                             address_limit: int = CHAT_STARTS_PER_ADDRESS,
                             organization_limit: int = CHAT_STARTS_PER_ORGANIZATION, first_name: str = "",
                             last_name: str = "", email: str = "", phone: str = "",
                             customer: Customer | None = None) -> ChatStart:
    """A start from the Live Chat, limited per client address and per organization.

    The attempt is counted in its own short transaction and committed before the chat is created, so a
    refused attempt still counts (as sign-in attempts do) and the counter rows are never held locked while
    routing runs. A form with a typo is refused before it is counted.
    """
    contact = _contact(first_name=first_name, last_name=last_name, email=email, phone=phone, customer=customer)
    async with db.transaction() as session:
        organization = await organization_by_slug(session, org_slug)
        refusal = await _refusal(session, organization=organization, client_address=client_address,
                                 address_limit=address_limit, organization_limit=organization_limit, clock=clock)
    if refusal:
        raise Refused(refusal)
    async with db.transaction() as session:
        return await _open_chat(session, organization=organization, contact=contact, secret_key=secret_key,
                                clock=clock, customer=customer)


async def interaction_for_token(session: AsyncSession, *, organization: Organization, token: str,
                                secret_key: str) -> Interaction | None:
    if not token:
        return None
    return (await session.exec(select(Interaction).where(
        Interaction.chat_token_hash == _token_hash(secret_key, token),
        Interaction.organization_id == organization.id))).first()


async def send_in_chat(session: AsyncSession, *, interaction_id: int, body: str, clock: Clock,
                       with_files: bool = True, expected_files: list[int] | None = None) -> Message:
    """The customer writes in the chat their tab already opened with its token (the Live Chat keeps the id
    server-side): one locked read by id, not a lookup by organization and token on every message."""
    return await _customer_writes(session, interaction_id=interaction_id, body=body, clock=clock,
                                  with_files=with_files, expected_files=expected_files)


async def send_customer_message(session: AsyncSession, *, organization: Organization, token: str,
                                secret_key: str, body: str, clock: Clock, with_files: bool = True,
                                expected_files: list[int] | None = None) -> Message:
    """The customer writes in the chat their token opens; the interaction row is locked for the update."""
    interaction = await interaction_for_token(session, organization=organization, token=token, secret_key=secret_key)
    if interaction is None:
        raise Refused("Start a chat first.")
    return await _customer_writes(session, interaction_id=interaction.id, body=body, clock=clock,
                                  with_files=with_files, expected_files=expected_files)


async def _customer_writes(session: AsyncSession, *, interaction_id: int, body: str, clock: Clock,
                           with_files: bool, expected_files: list[int] | None) -> Message:
    """The message, and the customer is no longer silent: the inactivity deadline moves back."""
    message = await interactions.add_customer_message(session, interaction_id=interaction_id, body=body, clock=clock,
                                                      with_files=with_files, expected_files=expected_files)
    # Loaded and locked by add_customer_message: no statement.
    inactivity.customer_spoke(await session.get(Interaction, interaction_id), at=message.created_at)
    return message


async def end_chat(session: AsyncSession, *, interaction: Interaction, clock: Clock) -> None:
    """Idempotent: the row lock makes a second, concurrent End chat see the first and add nothing."""
    interaction = await interactions.locked_interaction(session, interaction_id=interaction.id)
    if interaction.chat_ended_at:
        return
    now = clock()
    interaction.chat_ended_at = now
    await interactions.abandon_transfer(session, interaction_id=interaction.id, at=now)
    interactions.add_system_message(session, interaction=interaction, at=now, body="The customer ended the chat.")
    audit.record(session, at=now, kind="chat.ended", organization_id=interaction.organization_id,
                 subject=f"interaction:{interaction.id}")


async def is_rated(session: AsyncSession, *, interaction_id: int) -> bool:
    return (await session.exec(select(CsatRating.id).where(CsatRating.interaction_id == interaction_id))).first() \
        is not None


async def rate_chat(session: AsyncSession, *, interaction: Interaction, score: int, clock: Clock) -> None:
    """A 1-5 rating after the chat ends; it feeds the customer's Average CSAT. One per chat.

    The interaction row is locked before the check, so of two concurrent ratings the second waits, sees the
    first and is refused, rather than failing on the unique constraint.
    """
    interaction = await interactions.locked_interaction(session, interaction_id=interaction.id)
    if not interaction.chat_ended_at:
        raise Refused("End the chat before rating it.")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise Refused("Choose a rating from 1 to 5.")
    if await is_rated(session, interaction_id=interaction.id):
        raise Refused("This chat has already been rated.")
    session.add(CsatRating(organization_id=interaction.organization_id, interaction_id=interaction.id,
                           customer_id=interaction.customer_id, score=score, created_at=clock()))
    if interaction.customer_id:
        events.notify(session, events.customer_topic(interaction.customer_id))  # the Average CSAT moved
    audit.record(session, at=clock(), kind="chat.rated", organization_id=interaction.organization_id,
                 subject=f"interaction:{interaction.id}", score=score)
