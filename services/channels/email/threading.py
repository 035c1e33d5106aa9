"""Which of our conversations an email answers, tried in order: the signed token in the address it was sent
to, then In-Reply-To / References against Message-IDs we received or sent, then a case tag in the subject.

A match threads only when the sender is a contact of that case and is believed: the token proves the mail
answers ours; without it, the receiving server must report a DMARC or DKIM pass for the From domain
(authentication.py). A match that fails is a possible spoof: it must not reach the case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.channels.email import tokens
from services.channels.email.parsing import ParsedEmail
from services.models import Case, Customer, EmailRecord, Interaction, Message, Organization, OutboundMessage

_CASE_TAG = re.compile(r"\[Case #(\d{1,12})\]", re.IGNORECASE)
_OUTBOUND_ID = re.compile(r"^<outbound\.(\d{1,12})\.(\d{14})@[^>]+>$")  # services/outbox.email_message_id


def case_tag(case_id: int) -> str:
    return f"[Case #{case_id}]"


@dataclass(frozen=True)
class Match:
    interaction: Interaction
    by: str  # token | header | subject


async def _in_organization(session: AsyncSession, interaction_id: int | None, organization_id: int):
    interaction = await session.get(Interaction, interaction_id) if interaction_id else None
    return interaction if interaction and interaction.organization_id == organization_id else None


async def _by_token(session, organization: Organization, parsed: ParsedEmail, secret_key: str):
    for recipient in parsed.recipients:
        base, token = tokens.split_address(recipient)
        if base == organization.inbound_email and token:
            found = await _in_organization(session, tokens.interaction_of(secret_key, token), organization.id)
            if found:
                return found
    return None


async def _sent_by_us(session: AsyncSession, message_id: str) -> int | None:
    matched = _OUTBOUND_ID.match(message_id)
    if not matched:
        return None
    row = await session.get(OutboundMessage, int(matched.group(1)))
    if row is None or row.message_id is None or f"{row.created_at:%Y%m%d%H%M%S}" != matched.group(2):
        return None
    message = await session.get(Message, row.message_id)
    return message.interaction_id if message else None


async def _by_header(session, organization: Organization, parsed: ParsedEmail):
    ids = [found for found in (parsed.in_reply_to, *reversed(parsed.references)) if found]
    if not ids:
        return None
    received = (await session.exec(select(EmailRecord.rfc_message_id, EmailRecord.interaction_id).where(
        col(EmailRecord.rfc_message_id).in_(ids), EmailRecord.organization_id == organization.id,
        col(EmailRecord.interaction_id).is_not(None)))).all()
    by_id = dict(received)
    for message_id in ids:  # the nearest ancestor first
        interaction_id = by_id.get(message_id) or await _sent_by_us(session, message_id)
        found = await _in_organization(session, interaction_id, organization.id)
        if found:
            return found
    return None


async def _by_subject(session, organization: Organization, parsed: ParsedEmail):
    tagged = _CASE_TAG.search(parsed.subject)
    if not tagged:
        return None
    return (await session.exec(select(Interaction).where(
        Interaction.case_id == int(tagged.group(1)), Interaction.organization_id == organization.id)
        .order_by(col(Interaction.id).desc()).limit(1))).first()


async def find(session: AsyncSession, *, organization: Organization, parsed: ParsedEmail,
               secret_key: str) -> Match | None:
    found = await _by_token(session, organization, parsed, secret_key)
    if found is not None:
        return Match(found, "token")
    for by, finder in (("header", _by_header), ("subject", _by_subject)):
        found = await finder(session, organization, parsed)
        if found is not None:
            return Match(found, by)
    return None


async def is_contact(session: AsyncSession, *, case_id: int, address: str) -> bool:
    """Is `address` one the case knows its customer by: its contact, its customer's, or one its interactions
    were given?"""
    case = await session.get(Case, case_id)
    known = {case.contact_email or ""}
    if case.customer_id:
        customer = await session.get(Customer, case.customer_id)
        known.add(customer.email or "")
    given = (await session.exec(select(func.lower(Interaction.given_email)).where(
        Interaction.case_id == case_id, col(Interaction.given_email).is_not(None)))).all()
    return address.lower() in {item.lower() for item in known | set(given) if item}


def believed(match: Match, *, authenticated: bool) -> bool:
    """Our token proves the mail answers ours; anything else needs the server's authentication pass."""
    return match.by == "token" or authenticated
