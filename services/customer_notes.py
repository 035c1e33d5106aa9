"""Customer notes: kept on the customer record, read and added from the verified header.

Reading and adding both need the `customer_notes` grant, and only for the verified customer of the
agent's own interaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, interactions
from services.auth import Identity, display_name
from services.clock import Clock
from services.errors import Refused
from services.models import CustomerNote, Interaction, User
from services.text import clean_body

MAX_NOTE_CHARS = 2000
SHOWN_NOTES = 50


@dataclass(frozen=True)
class NoteRow:
    note_id: int
    author: str
    body: str
    at_iso: str


async def _verified_interaction(session: AsyncSession, identity: Identity, interaction_id: int) -> Interaction:
    interaction = await interactions.assigned_interaction(session, identity=identity, interaction_id=interaction_id)
    if not identity.can("customer_notes"):
        raise Refused("You do not have the grant for customer notes.")
    if not interaction.verified or interaction.customer_id is None:
        raise Refused("Verify the customer to see their notes.")
    return interaction


async def customer_notes(session: AsyncSession, *, identity: Identity, interaction_id: int) -> list[NoteRow]:
    interaction = await _verified_interaction(session, identity, interaction_id)
    rows = (await session.exec(
        select(CustomerNote, User).join(User, User.id == CustomerNote.author_user_id)
        .where(CustomerNote.customer_id == interaction.customer_id)
        .order_by(col(CustomerNote.created_at).desc(), col(CustomerNote.id).desc()).limit(SHOWN_NOTES))).all()
    return [NoteRow(note_id=note.id, author=display_name(user),
                    body=note.body, at_iso=note.created_at.isoformat()) for note, user in rows]


async def add_customer_note(session: AsyncSession, *, identity: Identity, interaction_id: int, body: str,
                            clock: Clock) -> CustomerNote:
    interaction = await _verified_interaction(session, identity, interaction_id)
    text = clean_body(body)
    if not text:
        raise Refused("Write the note first.")
    if len(text) > MAX_NOTE_CHARS:
        raise Refused(f"A note is limited to {MAX_NOTE_CHARS:,} characters.")
    now = clock()
    note = CustomerNote(customer_id=interaction.customer_id, author_user_id=identity.user_id, body=text,
                        created_at=now)
    session.add(note)
    await session.flush()
    events.notify(session, events.customer_topic(interaction.customer_id))
    audit.record(session, at=now, kind="customer.note_added", actor_user_id=identity.user_id,
                 organization_id=interaction.organization_id, subject=f"customer:{interaction.customer_id}",
                 note_id=note.id)
    return note
