"""The companion Live Chat, from the customer's side.

A customer holds a random chat token (kept in their browser); only its keyed hash is stored.
A verified start carries the retailer's signed identity: HMAC-SHA256 with the organization's chat
identity secret over "{org_slug}:{external_id}", compared in constant time.
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

from services import audit, events, interactions
from services.clock import Clock
from services.errors import NotFound, Refused
from services.models import CsatRating, Customer, Interaction, Organization


def sign_identity(secret: str, org_slug: str, external_id: str) -> str:
    return hmac.new(secret.encode(), f"{org_slug}:{external_id}".encode(), hashlib.sha256).hexdigest()


def _token_hash(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), b"chat:" + token.encode(), hashlib.sha256).hexdigest()


async def organization_by_slug(session: AsyncSession, slug: str) -> Organization:
    org = (await session.exec(select(Organization).where(Organization.slug == slug))).first()
    if org is None:
        raise NotFound("That organization")
    return org


async def verified_customer(session: AsyncSession, *, organization: Organization, external_id: str,
                            signature: str) -> Customer | None:
    """The customer the retailer vouches for, or None: a missing or bad signature is never verified."""
    if not external_id or not signature:
        return None
    expected = sign_identity(organization.chat_identity_secret, organization.slug, external_id)
    if not hmac.compare_digest(expected, signature.strip().lower()):
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


async def start_chat(session: AsyncSession, *, organization: Organization, secret_key: str, clock: Clock,
                     first_name: str = "", last_name: str = "", email: str = "", phone: str = "",
                     customer: Customer | None = None) -> ChatStart:
    if customer is None:
        first_name, last_name = first_name.strip()[:100], last_name.strip()[:100]
        if not first_name or not last_name:
            raise Refused("Enter your first and last name.")
        email_n, phone_n = normalise_email(email), normalise_phone(phone)
        if not email_n and not phone_n:
            raise Refused("Enter your email or your phone number.")
    else:
        email_n, phone_n = customer.email, customer.phone
    token = secrets.token_urlsafe(32)
    interaction = await interactions.open_interaction(
        session, organization_id=organization.id, channel="chat", clock=clock, customer=customer,
        first_name=first_name, last_name=last_name, email=email_n, phone=phone_n,
        chat_token_hash=_token_hash(secret_key, token))
    interactions.add_system_message(session, interaction=interaction, at=clock(),
                                    body=f"Chat started with {organization.name}.")
    return ChatStart(interaction_id=interaction.id, token=token)


async def interaction_for_token(session: AsyncSession, *, organization: Organization, token: str,
                                secret_key: str) -> Interaction | None:
    if not token:
        return None
    return (await session.exec(select(Interaction).where(
        Interaction.chat_token_hash == _token_hash(secret_key, token),
        Interaction.organization_id == organization.id))).first()


async def end_chat(session: AsyncSession, *, interaction: Interaction, clock: Clock) -> None:
    if interaction.chat_ended_at:
        return
    now = clock()
    interaction.chat_ended_at = now
    interactions.add_system_message(session, interaction=interaction, at=now, body="The customer ended the chat.")
    audit.record(session, at=now, kind="chat.ended", organization_id=interaction.organization_id,
                 subject=f"interaction:{interaction.id}")


async def is_rated(session: AsyncSession, *, interaction_id: int) -> bool:
    return (await session.exec(select(CsatRating.id).where(CsatRating.interaction_id == interaction_id))).first() \
        is not None


async def rate_chat(session: AsyncSession, *, interaction: Interaction, score: int, clock: Clock) -> None:
    """A 1-5 rating after the chat ends; it feeds the customer's Average CSAT. One per chat."""
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
