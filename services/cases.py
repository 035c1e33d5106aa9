"""Case Details and Case Notes, reached from the customer header.

Case notes are the same notes the Wrap Up popup shows and saves, so what an agent writes here is there
at wrap-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, interactions
from services.attachments.links import AttachmentLink, agent_link
from services.auth import Identity
from services.clock import Clock
from services.errors import Refused
from services.models import Attachment, Case, ChatbotTranscript, Interaction
from services.text import clean_body

MAX_CASE_NOTES = 10000


@dataclass(frozen=True)
class CaseDetails:
    case_id: int
    status: str
    origin: str
    created_iso: str
    category: str
    subcategory: str
    notes: str
    interactions: int
    joined_open_case: bool
    editable: bool
    # Every file sent in the case's interactions, newest last; once the case is closed they are downloads.
    attachments: list[AttachmentLink] = field(default_factory=list)
    # The chatbot conversations that joined the case, each with its auto-generated summary and sentiment.
    chatbot: list["ChatbotSummary"] = field(default_factory=list)


@dataclass(frozen=True)
class ChatbotSummary:
    at_iso: str
    sentiment: str  # positive | neutral | negative
    summary: str


async def _chatbot_summaries(session: AsyncSession, case_id: int) -> list[ChatbotSummary]:
    rows = (await session.exec(select(ChatbotTranscript).where(ChatbotTranscript.case_id == case_id,
                                                               ChatbotTranscript.valid == True)  # noqa: E712
                               .order_by(ChatbotTranscript.started_at).limit(20))).all()
    return [ChatbotSummary(row.started_at.isoformat(), row.sentiment, row.summary) for row in rows]


SHOWN_ATTACHMENTS = 100


async def case_attachments(session: AsyncSession, case_id: int) -> list[AttachmentLink]:
    rows = (await session.exec(
        select(Attachment).join(Interaction, Interaction.id == Attachment.interaction_id)
        .where(Interaction.case_id == case_id, col(Attachment.message_id).is_not(None))
        .order_by(col(Attachment.id).desc()).limit(SHOWN_ATTACHMENTS))).all()
    return [agent_link(row) for row in reversed(rows)]


async def case_details(session: AsyncSession, *, identity: Identity, interaction_id: int) -> CaseDetails:
    interaction = await interactions.assigned_interaction(session, identity=identity, interaction_id=interaction_id)
    case = await session.get(Case, interaction.case_id)
    count = (await session.exec(select(func.count(Interaction.id)).where(Interaction.case_id == case.id))).one()
    return CaseDetails(case_id=case.id, status=case.status, origin=case.origin,
                       created_iso=case.created_at.isoformat(), category=case.category,
                       subcategory=case.subcategory, notes=case.notes, interactions=count,
                       joined_open_case=interaction.joined_open_case,
                       editable=interaction.state == "assigned" and case.status == "open",
                       attachments=await case_attachments(session, case.id),
                       chatbot=await _chatbot_summaries(session, case.id))


async def save_case_notes(session: AsyncSession, *, identity: Identity, interaction_id: int, notes: str,
                          clock: Clock) -> Case:
    interaction = await interactions.assigned_interaction(session, identity=identity, interaction_id=interaction_id)
    if interaction.state != "assigned":
        raise Refused("This interaction is closed; its case notes are read-only here.")
    text = clean_body(notes)
    if len(text) > MAX_CASE_NOTES:
        raise Refused(f"Case notes are limited to {MAX_CASE_NOTES:,} characters.")
    case = await session.get(Case, interaction.case_id, with_for_update=True)
    if case.status != "open":
        raise Refused("This case is closed; its notes are read-only.")
    case.notes = text
    session.add(case)
    audit.record(session, at=clock(), kind="case.notes_saved", actor_user_id=identity.user_id,
                 organization_id=case.organization_id, subject=f"case:{case.id}", interaction_id=interaction.id,
                 characters=len(text))
    return case
