"""Verifying an unknown customer with a one-time passcode (OTP) sent to their customer record.

Rules:
- the code is 6 digits from a CSPRNG (pyotp), kept only as a keyed hash bound to the interaction and customer;
- it is valid for 10 minutes, used once, and a new send supersedes the previous code;
- 5 wrong codes lock the challenge; a resend carries the failed count over (so resending never buys
  extra guesses), while a send after a lock starts a fresh count (the seed: "a new one must be sent");
- at most 5 sends per customer in 10 minutes;
- the code is sent by email, or by SMS when the organization enabled it, never by WhatsApp.

The plain code only lives in memory between `send_code` and `deliver_code`; if delivery fails the agent
resends. That is why a passcode never goes through the outbox table, which stores message bodies.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from sqlalchemy import func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, interactions, outbox
from services.auth import Identity
from services.channels.numbers import has_country_code
from services.chat import normalise_email, normalise_phone
from services.clock import Clock
from services.config import Settings
from services.errors import NotFound, Refused
from services.models import Case, CsatRating, Customer, Interaction, Organization, OtpChallenge, OutboundMessage
from services.text import full_name

CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_CODES = 5
SEND_WINDOW = timedelta(minutes=10)
MAX_SENDS = 5
OTP_CHANNELS = ("email", "sms")
_CODE_FORMAT = re.compile(r"\d{6}")


@dataclass(frozen=True)
class CustomerMatch:
    """A customer record identified for the popup: shown only once it matched."""

    customer_id: int
    name: str
    email: str
    phone: str
    phone_has_country_code: bool


@dataclass(frozen=True)
class CodeToSend:
    challenge_id: int
    organization_id: int
    channel: str
    recipient: str
    code: str
    organization_name: str
    sender: str | None = None  # an SMS passcode goes out from the organization's own number when it has one


@dataclass(frozen=True)
class CheckResult:
    verified: bool
    message: str
    locked: bool = False


def mask_recipient(recipient: str) -> str:
    """Enough for the agent to confirm where the code went, without repeating the whole address."""
    if "@" in recipient:
        local, domain = recipient.split("@", 1)
        return f"{local[0]}•••{local[-1] if len(local) > 1 else ''}@{domain}"
    return f"{recipient[:2]}•••{recipient[-4:]}"


def _new_code() -> str:
    """Six digits, leading zeros kept: HOTP over a fresh 160-bit secret from the OS CSPRNG, then discarded."""
    return pyotp.HOTP(pyotp.random_base32(32), digits=6).at(0)


def _code_hash(secret_key: str, *, interaction_id: int, customer_id: int, code: str) -> str:
    # Keyed with the server secret and bound to interaction and customer: a code is worthless elsewhere.
    message = f"otp:{interaction_id}:{customer_id}:{code}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


async def _unverified_interaction(session: AsyncSession, identity: Identity, interaction_id: int,
                                  for_update: bool = False) -> Interaction:
    interaction = await interactions.active_interaction(session, identity=identity,
                                                        interaction_id=interaction_id, for_update=for_update)
    if interaction.verified:
        raise Refused("This customer is already verified.")
    return interaction


def _match(customer: Customer) -> CustomerMatch:
    return CustomerMatch(customer_id=customer.id, name=full_name(customer.first_name, customer.last_name),
                         email=customer.email or "", phone=customer.phone or "",
                         phone_has_country_code=has_country_code(customer.phone))


# --- lookup -------------------------------------------------------------------------------------

async def lookup(session: AsyncSession, *, identity: Identity, interaction_id: int, email: str = "",
                 phone: str = "") -> CustomerMatch | None:
    """Find the customer record: by the name and contact they gave, or by the email/phone the agent enters.

    Several matches: the first record (lowest id) wins. Phones compare in E.164, so a stored phone
    without a country code never matches.
    """
    interaction = await _unverified_interaction(session, identity, interaction_id)
    query = select(Customer).where(Customer.organization_id == interaction.organization_id)
    typed_email, typed_phone = normalise_email(email), normalise_phone(phone)
    if typed_email or typed_phone:
        contact = [func.lower(Customer.email) == typed_email.lower() if typed_email else None,
                   Customer.phone == typed_phone if typed_phone else None]
    else:
        query = query.where(func.lower(Customer.first_name) == interaction.given_first_name.strip().lower(),
                            func.lower(Customer.last_name) == interaction.given_last_name.strip().lower())
        contact = [func.lower(Customer.email) == interaction.given_email.lower() if interaction.given_email else None,
                   Customer.phone == interaction.given_phone if interaction.given_phone else None]
    contact = [c for c in contact if c is not None]
    if not contact:
        return None
    customer = (await session.exec(query.where(or_(*contact)).order_by(Customer.id).limit(1))).first()
    return _match(customer) if customer else None


# --- sending a code -----------------------------------------------------------------------------

def _check_channel(channel: str, organization: Organization, customer: Customer, settings: Settings) -> str:
    if channel not in OTP_CHANNELS:
        raise Refused("Passcodes are sent by email or SMS only.")
    if channel == "sms":
        if not organization.sms_otp_enabled:
            raise Refused(f"SMS passcodes are turned off for {organization.name}. Send the passcode by email.")
        if not has_country_code(customer.phone):
            raise Refused("The phone number on the customer record has no country code, so no SMS can be sent.")
        recipient = customer.phone
    else:
        if not customer.email:
            raise Refused("The customer record has no email address.")
        recipient = customer.email
    if not outbox.provider_configured(settings, channel):
        raise Refused(f"Outbound {'email' if channel == 'email' else 'SMS'} is not configured here, "
                      "so no passcode can be sent.")
    return recipient


async def _sends_in_window(session: AsyncSession, customer_id: int, since) -> int:
    return (await session.exec(select(func.count()).select_from(OtpChallenge).where(
        OtpChallenge.customer_id == customer_id, OtpChallenge.created_at > since))).one()


async def _supersede_current(session: AsyncSession, interaction_id: int) -> OtpChallenge | None:
    current = (await session.exec(select(OtpChallenge).where(
        OtpChallenge.interaction_id == interaction_id, OtpChallenge.superseded == False,  # noqa: E712
        col(OtpChallenge.used_at).is_(None)).order_by(col(OtpChallenge.id).desc()).limit(1))).first()
    if current is not None:
        current.superseded = True
        session.add(current)
    return current


async def send_code(session: AsyncSession, *, identity: Identity, interaction_id: int, customer_id: int,
                    channel: str, settings: Settings, clock: Clock) -> CodeToSend:
    """Create a challenge and return the plain code for `deliver_code`; it is never stored."""
    interaction = await _unverified_interaction(session, identity, interaction_id, for_update=True)
    customer = await session.get(Customer, customer_id) if isinstance(customer_id, int) else None
    if customer is None or customer.organization_id != interaction.organization_id:
        raise NotFound("That customer")
    organization = await session.get(Organization, interaction.organization_id)
    recipient = _check_channel(channel, organization, customer, settings)
    now = clock()
    if await _sends_in_window(session, customer.id, now - SEND_WINDOW) >= MAX_SENDS:
        raise Refused(f"{MAX_SENDS} passcodes were already sent to this customer in the last 10 minutes. "
                      "Wait a few minutes before sending another.")
    previous = await _supersede_current(session, interaction.id)
    carried = previous.failed_attempts if previous is not None and not previous.locked else 0
    code = _new_code()
    challenge = OtpChallenge(
        interaction_id=interaction.id, customer_id=customer.id, channel=channel, sent_by_user_id=identity.user_id,
        code_hash=_code_hash(settings.secret_key, interaction_id=interaction.id, customer_id=customer.id, code=code),
        created_at=now, expires_at=now + CODE_LIFETIME, failed_attempts=carried)
    session.add(challenge)
    await session.flush()
    audit.record(session, at=now, kind="otp.sent", actor_user_id=identity.user_id,
                 organization_id=interaction.organization_id, subject=f"interaction:{interaction.id}",
                 customer_id=customer.id, channel=channel, recipient=mask_recipient(recipient),
                 resend=previous is not None, challenge_id=challenge.id)
    return CodeToSend(challenge_id=challenge.id, organization_id=interaction.organization_id, channel=channel,
                      recipient=recipient, code=code, organization_name=organization.name,
                      sender=organization.sms_number if channel == "sms" else None)


async def deliver_code(settings: Settings, code: CodeToSend) -> None:
    """Send the passcode through aiosmtplib or twilio. Raises on a provider failure."""
    body = (f"Your {code.organization_name} verification code is {code.code}. "
            "It expires in 10 minutes. Share it only with the agent you are talking to.")
    message = OutboundMessage(organization_id=code.organization_id, purpose="otp", channel=code.channel,
                              recipient=code.recipient, subject=f"Your {code.organization_name} verification code",
                              body=body, created_at=None, sender=code.sender)
    await outbox.send_now(settings, message)


def record_delivery(session: AsyncSession, *, identity: Identity, code: CodeToSend, error: str,
                    clock: Clock) -> None:
    audit.record(session, at=clock(), kind="otp.delivered" if not error else "otp.delivery_failed",
                 actor_user_id=identity.user_id, organization_id=code.organization_id,
                 subject=f"otp:{code.challenge_id}", channel=code.channel, error=error[:300])


# --- checking a code ----------------------------------------------------------------------------

async def _current_challenge(session: AsyncSession, interaction_id: int) -> OtpChallenge | None:
    return (await session.exec(select(OtpChallenge).where(
        OtpChallenge.interaction_id == interaction_id, OtpChallenge.superseded == False)  # noqa: E712
        .order_by(col(OtpChallenge.id).desc()).limit(1).with_for_update())).first()


def _refusal(challenge: OtpChallenge | None, now) -> str | None:
    if challenge is None:
        return "Send a passcode first."
    if challenge.used_at is not None:
        return "That passcode was already used. Send a new one."
    if challenge.locked:
        return "Too many wrong passcodes: this one is locked. Send a new one."
    if now >= challenge.expires_at:
        return "The passcode has expired (they last 10 minutes). Send a new one."
    return None


async def check_code(session: AsyncSession, *, identity: Identity, interaction_id: int, code: str,
                     settings: Settings, clock: Clock) -> CheckResult:
    """Compare the code with the current challenge. Wrong codes are counted, so this returns, never raises."""
    code = (code or "").strip()
    if not _CODE_FORMAT.fullmatch(code):
        raise Refused("Enter the 6-digit passcode.")
    # The interaction row lock serialises concurrent attempts, so the wrong-code count never races.
    interaction = await _unverified_interaction(session, identity, interaction_id, for_update=True)
    challenge = await _current_challenge(session, interaction.id)
    now = clock()
    refusal = _refusal(challenge, now)
    if refusal:
        audit.record(session, at=now, kind="otp.refused", actor_user_id=identity.user_id,
                     organization_id=interaction.organization_id, subject=f"interaction:{interaction.id}",
                     reason=refusal)
        return CheckResult(verified=False, message=refusal, locked=bool(challenge and challenge.locked))
    expected = _code_hash(settings.secret_key, interaction_id=interaction.id, customer_id=challenge.customer_id,
                          code=code)
    subject = f"interaction:{interaction.id}"
    if not hmac.compare_digest(expected, challenge.code_hash):
        return _count_wrong(session, identity, interaction, challenge, now)
    challenge.used_at = now
    session.add(challenge)
    customer = await session.get(Customer, challenge.customer_id)
    await _link_customer(session, interaction, customer, channel=challenge.channel, now=now)
    audit.record(session, at=now, kind="otp.verified", actor_user_id=identity.user_id,
                 organization_id=interaction.organization_id, subject=subject, customer_id=customer.id,
                 challenge_id=challenge.id)
    return CheckResult(verified=True, message=f"{full_name(customer.first_name, customer.last_name)} is verified.")


def _count_wrong(session: AsyncSession, identity: Identity, interaction: Interaction, challenge: OtpChallenge,
                 now) -> CheckResult:
    challenge.failed_attempts += 1
    challenge.locked = challenge.failed_attempts >= MAX_WRONG_CODES
    session.add(challenge)
    common = dict(at=now, actor_user_id=identity.user_id, organization_id=interaction.organization_id,
                  subject=f"interaction:{interaction.id}", challenge_id=challenge.id)
    audit.record(session, kind="otp.failed", attempts=challenge.failed_attempts, **common)
    if challenge.locked:
        audit.record(session, kind="otp.locked", **common)
        return CheckResult(verified=False, locked=True,
                           message="The passcode does not match. After 5 wrong passcodes it is locked: "
                                   "send a new one.")
    left = MAX_WRONG_CODES - challenge.failed_attempts
    return CheckResult(verified=False,
                       message=f"The passcode does not match. Check it with the customer and try again "
                               f"({left} {'try' if left == 1 else 'tries'} left).")


async def _link_customer(session: AsyncSession, interaction: Interaction, customer: Customer, *, channel: str,
                         now) -> None:
    """Verified: the interaction (and its contact-keyed case) now belongs to the customer record.

    Another active interaction of the same customer stays as it is: the seed says they are not merged.
    """
    interaction.customer_id, interaction.verified = customer.id, True
    interaction.given_first_name, interaction.given_last_name = customer.first_name, customer.last_name
    session.add(interaction)
    case = await session.get(Case, interaction.case_id, with_for_update=True)
    if case.customer_id is None:
        case.customer_id = customer.id
        session.add(case)
    rating = (await session.exec(select(CsatRating).where(CsatRating.interaction_id == interaction.id))).first()
    if rating is not None and rating.customer_id is None:
        rating.customer_id = customer.id
        session.add(rating)
    recipient = customer.email if channel == "email" else customer.phone
    interactions.add_system_message(
        session, interaction=interaction, at=now, internal=True,
        body=f"Customer verified with a passcode sent by {'email' if channel == 'email' else 'SMS'} "
             f"to {mask_recipient(recipient or '')}.")
