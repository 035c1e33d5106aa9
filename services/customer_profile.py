"""Customer Profile editing from the inbox: first and last name, email and phone of the verified customer.

Needs the grant `customer_profile_edit`. The email is checked with email-validator and the phone stored as E.164
(phonenumbers), refused without a country code. Each change is audited, and every agent who has this customer
open sees it (the customer's topic is published after the commit).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events
from services.auth import Identity
from services.chat import normalise_email, normalise_phone
from services.clock import Clock
from services.customer_dashboard import verified_customer
from services.errors import Refused
from services.models import Customer
from services.text import clean_body

MAX_NAME = 100
GRANT = "customer_profile_edit"


@dataclass(frozen=True)
class ProfileForm:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    editable: bool = False


async def profile_form(session: AsyncSession, *, identity: Identity, interaction_id: int) -> ProfileForm:
    _, customer = await verified_customer(session, identity=identity, interaction_id=interaction_id)
    return ProfileForm(customer.first_name, customer.last_name, customer.email or "", customer.phone or "",
                       editable=identity.can(GRANT))


def _name(raw, label: str) -> str:
    text = clean_body(raw if isinstance(raw, str) else "").strip()
    if not text:
        raise Refused(f"Enter the customer's {label}.")
    if len(text) > MAX_NAME or "\n" in text:
        raise Refused(f"The {label} is one line of at most {MAX_NAME} characters.")
    return text


async def update_profile(session: AsyncSession, *, identity: Identity, interaction_id: int, first_name: str,
                         last_name: str, email: str, phone: str, clock: Clock) -> Customer:
    if not identity.can(GRANT):
        raise Refused("You do not have the grant to edit customer profiles.")
    _, customer = await verified_customer(session, identity=identity, interaction_id=interaction_id)
    wanted = {"first_name": _name(first_name, "first name"), "last_name": _name(last_name, "last name"),
              "email": normalise_email(email if isinstance(email, str) else ""),
              "phone": normalise_phone(phone if isinstance(phone, str) else "")}
    if not wanted["email"] and not wanted["phone"]:
        raise Refused("Keep an email address or a phone number to reach the customer.")
    customer = await session.get(Customer, customer.id, with_for_update=True)
    changed = sorted(name for name, value in wanted.items() if getattr(customer, name) != value)
    if not changed:
        return customer
    for name in changed:
        setattr(customer, name, wanted[name])
    session.add(customer)
    audit.record(session, at=clock(), kind="customer.profile_edited", actor_user_id=identity.user_id,
                 organization_id=customer.organization_id, subject=f"customer:{customer.id}",
                 interaction_id=interaction_id, fields=changed)
    events.notify(session, events.customer_topic(customer.id))
    return customer
