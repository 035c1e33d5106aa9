"""The Case screen inside the inbox: a case with every interaction and its transcript, and its files.

Reached from any of the agent's interactions, Done ones too. With the grant `case_edit` the notes and category
can be changed; that never reopens a closed interaction or case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, cases, events, interactions
from services.attachments.links import AttachmentLink
from services.auth import Identity
from services.cases import MAX_CASE_NOTES
from services.clock import Clock
from services.errors import Refused
from services.models import Case, Interaction, Message, WrapUpCategory
from services.text import clean_body

SHOWN_INTERACTIONS = 20
MESSAGES_PER_INTERACTION = 200


@dataclass(frozen=True)
class Line:
    author: str  # customer | agent | system | bot
    body: str
    at_iso: str


@dataclass(frozen=True)
class CaseInteraction:
    interaction_id: int
    channel: str
    state: str  # Open | Closed
    created_iso: str
    messages: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class CaseView:
    case_id: int
    status: str
    origin: str
    created_iso: str
    category: str
    subcategory: str
    notes: str
    editable: bool
    interactions: list[CaseInteraction] = field(default_factory=list)
    attachments: list[AttachmentLink] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # "Category / Subcategory" choices when editable


def _label(category: str, subcategory: str) -> str:
    return " / ".join(p for p in (category, subcategory) if p)


async def _transcripts(session: AsyncSession, case_id: int) -> list[CaseInteraction]:
    rows = (await session.exec(select(Interaction).where(Interaction.case_id == case_id)
                               .order_by(col(Interaction.created_at)).limit(SHOWN_INTERACTIONS))).all()
    shown = []
    for interaction in rows:  # a case holds a handful of interactions; one query each keeps this simple
        messages = (await session.exec(
            select(Message).where(Message.interaction_id == interaction.id, Message.internal == False)  # noqa: E712
            .order_by(col(Message.id)).limit(MESSAGES_PER_INTERACTION))).all()
        shown.append(CaseInteraction(interaction.id, interaction.channel,
                                     "Open" if interaction.state != "closed" else "Closed",
                                     interaction.created_at.isoformat(),
                                     [Line(m.author, m.body, m.created_at.isoformat()) for m in messages]))
    return shown


async def _categories(session: AsyncSession, organization_id: int) -> list[str]:
    rows = (await session.exec(select(WrapUpCategory).where(WrapUpCategory.organization_id == organization_id)
                               .order_by(WrapUpCategory.category, WrapUpCategory.subcategory))).all()
    return [_label(row.category, row.subcategory) for row in rows]


async def case_view(session: AsyncSession, *, identity: Identity, interaction_id: int) -> CaseView:
    interaction = await interactions.assigned_interaction(session, identity=identity, interaction_id=interaction_id)
    case = await session.get(Case, interaction.case_id)
    editable = identity.can("case_edit")
    return CaseView(case_id=case.id, status=case.status.capitalize(), origin=case.origin,
                    created_iso=case.created_at.isoformat(), category=case.category, subcategory=case.subcategory,
                    notes=case.notes, editable=editable, interactions=await _transcripts(session, case.id),
                    attachments=await cases.case_attachments(session, case.id),
                    categories=await _categories(session, case.organization_id) if editable else [])


async def save_case(session: AsyncSession, *, identity: Identity, interaction_id: int, notes: str, category: str,
                    clock: Clock) -> Case:
    """Notes and category ("Category / Subcategory" from the organization's list, or "" for none)."""
    if not identity.can("case_edit"):
        raise Refused("You do not have the grant to edit cases.")
    interaction = await interactions.assigned_interaction(session, identity=identity, interaction_id=interaction_id)
    text = clean_body(notes if isinstance(notes, str) else "")
    if len(text) > MAX_CASE_NOTES:
        raise Refused(f"Case notes are limited to {MAX_CASE_NOTES:,} characters.")
    case = await session.get(Case, interaction.case_id, with_for_update=True)
    pairs = {_label(row.category, row.subcategory): row for row in (await session.exec(
        select(WrapUpCategory).where(WrapUpCategory.organization_id == case.organization_id))).all()}
    if category and category not in pairs and category != _label(case.category, case.subcategory):
        raise Refused("Choose a category from the list.")
    if category in pairs:
        case.category, case.subcategory = pairs[category].category, pairs[category].subcategory
    elif not category:
        case.category, case.subcategory = "", ""
    case.notes = text
    session.add(case)  # status and the interactions' states are left as they are: closed stays closed
    audit.record(session, at=clock(), kind="case.edited", actor_user_id=identity.user_id,
                 organization_id=case.organization_id, subject=f"case:{case.id}", interaction_id=interaction.id,
                 category=case.category, subcategory=case.subcategory, characters=len(text))
    events.notify(session, events.case_topic(case.id))  # other agents' open Case screens read it again
    return case
