"""The email composer's fields: To, Cc and Subject, checked on the server whatever the browser sent.

Every address is validated with email-validator (syntax only: no deliverability lookup, which would leave the
machine), with a message naming the bad one. A subject is one line (a CR or LF in a header would let a
sender add headers of their own) and gets a default: `Re: …` of the customer's last email in the
interaction, else the case's own subject; either carries the case tag (`[Case #12]`) that threads a reply
whose other headers were lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.channels.email import tokens
from services.channels.email.threading import case_tag
from services.errors import Refused
from services.models import Customer, EmailRecord, Interaction, Message, Organization

MAX_ADDRESSES = 10  # To and Cc together
MAX_SUBJECT = 200
_SEPARATORS = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class EmailFields:
    """As typed in the composer; `checked` gives the normalised form that is sent."""

    to: str
    cc: str = ""
    subject: str = ""


def _addresses(raw: str, label: str) -> list[str]:
    found = []
    for address in (a for a in _SEPARATORS.split(str(raw or "")) if a):
        try:
            # ASCII addresses only: an internationalised one needs SMTPUTF8, which the outbox does not speak.
            found.append(validate_email(address, check_deliverability=False, allow_smtputf8=False).normalized)
        except EmailNotValidError:
            raise Refused(f"{label}: “{address[:80]}” is not a valid email address.") from None
    return found


def checked(fields: EmailFields) -> EmailFields:
    to, cc = _addresses(fields.to, "To"), _addresses(fields.cc, "Cc")
    if not to:
        raise Refused("To: enter the customer's email address.")
    if len(to) + len(cc) > MAX_ADDRESSES:
        raise Refused(f"An email goes to at most {MAX_ADDRESSES} addresses, To and Cc together.")
    subject = " ".join(str(fields.subject or "").split())  # one line, whatever was pasted
    if not subject:
        raise Refused("Enter a Subject.")
    if len(subject) > MAX_SUBJECT:
        raise Refused(f"A Subject has at most {MAX_SUBJECT} characters.")
    to_keys = {a.lower() for a in to}
    cc = [a for a in dict.fromkeys(cc) if a.lower() not in to_keys]
    return EmailFields(to=", ".join(dict.fromkeys(to)), cc=", ".join(cc), subject=subject)


def case_subject(organization_name: str, case_id: int) -> str:
    """The subject of the first email about a case (from a chat, say): the case tag threads the reply."""
    return f"Your {organization_name} case {case_tag(case_id)}"


def reply_subject(thread_subject: str, case_id: int) -> str:
    """`Re: …` of the customer's subject (no second `Re:`), with the case tag once."""
    subject = " ".join((thread_subject or "").split())
    subject = subject if re.match(r"(?i)re:", subject) else f"Re: {subject}"
    return subject if case_tag(case_id) in subject else f"{subject} {case_tag(case_id)}"


async def _last_inbound(session: AsyncSession, interaction_id: int) -> EmailRecord | None:
    return (await session.exec(select(EmailRecord).where(EmailRecord.interaction_id == interaction_id)
                               .order_by(col(EmailRecord.id).desc()).limit(1))).first()


async def customer_address(session: AsyncSession, interaction: Interaction) -> str | None:
    """The address this customer can be written to: the one they gave, else their verified record's."""
    if interaction.given_email:
        return interaction.given_email
    if interaction.verified and interaction.customer_id:
        customer = await session.get(Customer, interaction.customer_id)
        return customer.email if customer else None
    return None


async def defaults(session: AsyncSession, interaction: Interaction) -> EmailFields:
    """What the composer starts with: To the customer, the case's subject."""
    organization = await session.get(Organization, interaction.organization_id)
    last = await _last_inbound(session, interaction.id)
    subject = reply_subject(last.subject, interaction.case_id) if last and last.subject else \
        case_subject(organization.name, interaction.case_id)
    return EmailFields(to=await customer_address(session, interaction) or "", subject=subject[:MAX_SUBJECT])


@dataclass(frozen=True)
class Threading:
    """The headers that make the customer's reply come back to this interaction and case."""

    reply_to: str  # our address with the interaction's signed token, or "" when the organization has none
    in_reply_to: str  # the customer's last email, or ""
    references: str


async def threading_for(session: AsyncSession, *, secret_key: str, message_id: int) -> Threading:
    message = await session.get(Message, message_id)
    interaction = await session.get(Interaction, message.interaction_id)
    organization = await session.get(Organization, interaction.organization_id)
    reply_to = tokens.reply_address(secret_key, organization.inbound_email, interaction.id) \
        if organization.inbound_email else ""
    received = (await session.exec(select(EmailRecord.rfc_message_id).where(
        EmailRecord.interaction_id == interaction.id).order_by(col(EmailRecord.id).desc()).limit(10))).all()
    return Threading(reply_to=reply_to, in_reply_to=received[0] if received else "",
                     references=" ".join(reversed(received)))
