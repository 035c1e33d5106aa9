"""Editing a verified customer's profile from the inbox: first and last name, email and phone.

Only with the grant `customer_profile_edit`, and only for the customer of an interaction the agent holds (so
never another organization's customer). Email is checked with email-validator (no deliverability lookup);
phone is stored as E.164 and must carry its country code. Either may be cleared. Passcodes go to the
record's email and phone, so the audit keeps each changed field's previous value (managers can see who
changed what, and put it back); the change is pushed to every agent who has the customer
open (the customer's topic reloads their header); the customer's open interactions take the new name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, interactions
from services.auth import Identity
from services.chat import normalise_email, normalise_phone
from services.clock import Clock
from services.errors import NotFound, Refused
from services.models import Customer, Interaction

GRANT = "customer_profile_edit"
MAX_NAME = 80


@dataclass(frozen=True)
class ProfileEdit:
    """The dialog's fields as typed: checked here, never trusted."""

    first_name: str
    last_name: str
    email: str
    phone: str


def _name(raw: str, label: str) -> str:
    name = " ".join(str(raw or "").split())
    if not name:
        raise Refused(f"Enter the {label}.")
    if len(name) > MAX_NAME:
        raise Refused(f"The {label} has at most {MAX_NAME} characters.")
    return name


def _checked(edit: ProfileEdit) -> dict[str, str | None]:
    return {"first_name": _name(edit.first_name, "first name"), "last_name": _name(edit.last_name, "last name"),
            "email": normalise_email(str(edit.email or "")[:320]), "phone": normalise_phone(str(edit.phone or "")[:40])}


async def editable_customer(session: AsyncSession, *, identity: Identity, interaction_id: int) -> Customer:
    """The verified customer of the agent's interaction, if the agent may edit profiles; else NotFound."""
    interaction = await interactions.assigned_interaction(session, identity=identity, interaction_id=interaction_id)
    if not identity.can(GRANT) or not interaction.verified or interaction.customer_id is None:
        raise NotFound("That customer")
    return await session.get(Customer, interaction.customer_id, with_for_update=True)


async def _rename_open_interactions(session: AsyncSession, customer: Customer) -> None:
    """A verified interaction shows the record's name (verification copied it): its open ones follow the edit,
    in every panel and header that shows them; closed ones keep the name they were handled under."""
    rows = (await session.exec(select(Interaction).where(
        Interaction.customer_id == customer.id, Interaction.verified == True,  # noqa: E712 (SQL)
        Interaction.state != "closed"))).all()
    for interaction in rows:
        interaction.given_first_name, interaction.given_last_name = customer.first_name, customer.last_name
        session.add(interaction)
        events.notify_interaction(session, interaction)


async def update_profile(session: AsyncSession, *, identity: Identity, interaction_id: int, edit: ProfileEdit,
                         clock: Clock) -> Customer:
    """Saves the edit; a bad field raises Refused with a clear message and nothing changes."""
    if not isinstance(interaction_id, int):
        raise NotFound("That customer")
    customer = await editable_customer(session, identity=identity, interaction_id=interaction_id)
    values = _checked(edit)
    changed = sorted(name for name, value in values.items() if getattr(customer, name) != value)
    if not changed:
        return customer
    before = {name: getattr(customer, name) for name in changed}
    for name in changed:
        setattr(customer, name, values[name])
    session.add(customer)
    if {"first_name", "last_name"} & set(changed):
        await _rename_open_interactions(session, customer)
    audit.record(session, at=clock(), kind="customer.profile_changed", actor_user_id=identity.user_id,
                 organization_id=customer.organization_id, subject=f"customer:{customer.id}", fields=changed,
                 before=before)
    events.notify(session, events.customer_topic(customer.id))
    return customer
