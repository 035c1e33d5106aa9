"""Phone numbers as Twilio sends them ("+14155550100", "whatsapp:+14155550100"), and whose number is whose."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.models import Organization

WHATSAPP_PREFIX = "whatsapp:"


@dataclass(frozen=True)
class Address:
    channel: str  # sms | whatsapp
    number: str  # E.164 when it parses; otherwise as sent (a short code, an alphanumeric sender)


def e164(raw: str) -> str:
    """E.164 when the number parses with its country code; otherwise the text as it came, trimmed.

    An inbound message is never refused for its sender's format: Twilio already delivered it, and a valid
    signature is always accepted.
    """
    raw = (raw or "").strip()
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_possible_number(number):
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def has_country_code(phone: str | None) -> bool:
    """Only a stored number written with its country code ('+1…') can receive an SMS (seed note)."""
    if not phone or not phone.startswith("+"):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return False


def parse_address(raw: str) -> Address:
    raw = (raw or "").strip()
    if raw.lower().startswith(WHATSAPP_PREFIX):
        return Address("whatsapp", e164(raw[len(WHATSAPP_PREFIX):]))
    return Address("sms", e164(raw))


def twilio_address(channel: str, number: str) -> str:
    """The To / From Twilio expects for that channel."""
    return f"{WHATSAPP_PREFIX}{number}" if channel == "whatsapp" else number


async def organizations_for(session: AsyncSession, addresses: set[Address]) -> dict[Address, int]:
    """The id of the organization whose SMS or WhatsApp number each address is, for a batch in one query; an
    address no organization has is left out."""
    sms = sorted({a.number for a in addresses if a.channel == "sms"})
    whatsapp = sorted({a.number for a in addresses if a.channel == "whatsapp"})
    if not sms and not whatsapp:
        return {}
    rows = (await session.exec(select(Organization.id, Organization.sms_number, Organization.whatsapp_number).where(
        or_(col(Organization.sms_number).in_(sms), col(Organization.whatsapp_number).in_(whatsapp))))).all()
    found = {}
    for organization_id, sms_number, whatsapp_number in rows:
        found[Address("sms", sms_number)] = organization_id
        found[Address("whatsapp", whatsapp_number)] = organization_id
    return {address: found[address] for address in addresses if address in found}
