"""POST /api/chatbot/transcripts, the service behind it: a retailer's bot posts a finished conversation.

In order, each step refusing with a clear JSON error and storing nothing:
1. the body is a JSON object naming a known `organization` (400, 422, 404);
2. `X-Inbox-Signature: sha256={hex}` is HMAC-SHA256 of the raw body with that organization's chatbot secret,
   compared in constant time (401; an organization without a secret accepts nothing);
3. the fields are complete and well formed, with at most MAX_TURNS turns (422, 413);
4. the customer is a registered customer of the organization, found by `customer_external_id` (404).
Then, once per (organization, conversation id), a repeat answering "duplicate": a conversation that is not
valid for a case (validity.py) is recorded with its reason and nothing more; a valid one becomes a closed
interaction (channel `chatbot`, each turn a message by `customer` or `bot`) on the customer's open case, whose
category is left as it is, or, with no open case, on a new closed case of origin `chatbot` that takes the
classifier's category when it is confident. The analysis (a few milliseconds) runs inline.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, interactions
from services.chatbot import validity
from services.chatbot.analysis import Analysis, analyse
from services.chatbot.classifier import CategoryText
from services.chatbot.turns import AUTHORS, Turn
from services.clock import Clock
from services.models import Case, ChatbotTranscript, Customer, Interaction, Message, Organization, WrapUpCategory
from services.text import MAX_MESSAGE_CHARS, clean_body

MAX_BODY_BYTES = 256 * 1024
MAX_TURNS = 500
MAX_ID_CHARS = 128
FUTURE_SLACK = timedelta(minutes=5)  # a bot's clock may run a little ahead of ours
SIGNATURE_HEADER = "X-Inbox-Signature"
STORED, DUPLICATE, NOT_VALID = "stored", "duplicate", "not-valid"


class TranscriptRefused(Exception):
    """Bad input: nothing was stored. `status` is the HTTP answer, the message its JSON `error`."""

    def __init__(self, status: int, error: str):
        super().__init__(error)
        self.status, self.error = status, error


@dataclass(frozen=True)
class Received:
    result: str  # stored | duplicate | not-valid
    transcript_id: int
    case_id: int | None = None
    interaction_id: int | None = None
    reason: str = ""  # why a conversation is not valid for a case

    def as_json(self) -> dict:
        answer = {"result": self.result, "transcript_id": self.transcript_id}
        if self.case_id:
            answer.update(case_id=self.case_id, interaction_id=self.interaction_id)
        if self.reason:
            answer["reason"] = self.reason
        return answer


@dataclass(frozen=True)
class Posted:
    organization: str
    customer_external_id: str
    conversation_id: str
    started_at: datetime
    ended_at: datetime
    turns: list[Turn]


def signature_for(secret: str, body: bytes) -> str:
    """The header value a bot sends: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(secret: str, body: bytes, header: str | None) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(signature_for(secret, body).encode(), header.strip().encode())


def _json_object(body: bytes) -> dict:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise TranscriptRefused(400, "The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise TranscriptRefused(400, "The body must be a JSON object.")
    return payload


def _text(payload: dict, name: str, limit: int = MAX_ID_CHARS) -> str:
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise TranscriptRefused(422, f"Missing field: {name}.")
    if not isinstance(value, str):
        raise TranscriptRefused(422, f"{name} must be a string.")
    if len(value.strip()) > limit:
        raise TranscriptRefused(422, f"{name} is longer than {limit} characters.")
    return value.strip()


def _time(value, name: str) -> datetime:
    if value is None or value == "":
        raise TranscriptRefused(422, f"Missing field: {name}.")
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise TranscriptRefused(422, f"{name} must be an ISO 8601 time, e.g. 2026-11-25T09:00:00Z.") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _turns(value) -> list[Turn]:
    if value is None:
        raise TranscriptRefused(422, "Missing field: turns.")
    if not isinstance(value, list) or not value:
        raise TranscriptRefused(422, "turns must be a non-empty list.")
    if len(value) > MAX_TURNS:
        raise TranscriptRefused(413, f"A transcript holds at most {MAX_TURNS} turns.")
    turns = []
    for number, turn in enumerate(value, start=1):
        if not isinstance(turn, dict):
            raise TranscriptRefused(422, f"Turn {number} must be an object.")
        if turn.get("author") not in AUTHORS:
            raise TranscriptRefused(422, f"Turn {number}: author must be \"customer\" or \"bot\".")
        text = turn.get("text")
        if not isinstance(text, str):
            raise TranscriptRefused(422, f"Turn {number}: missing field text.")
        if len(text) > MAX_MESSAGE_CHARS:
            raise TranscriptRefused(422, f"Turn {number}: text is longer than {MAX_MESSAGE_CHARS} characters.")
        turns.append(Turn(turn["author"], clean_body(text), _time(turn.get("at"), f"turn {number} at")))
    return turns


def parse(payload: dict, *, now: datetime) -> Posted:
    posted = Posted(organization=_text(payload, "organization"),
                    customer_external_id=_text(payload, "customer_external_id"),
                    conversation_id=_text(payload, "conversation_id"),
                    started_at=_time(payload.get("started_at"), "started_at"),
                    ended_at=_time(payload.get("ended_at"), "ended_at"), turns=_turns(payload.get("turns")))
    if posted.ended_at < posted.started_at:
        raise TranscriptRefused(422, "ended_at is before started_at.")
    if posted.ended_at > now + FUTURE_SLACK:
        raise TranscriptRefused(422, "ended_at is in the future.")
    return posted


async def _organization(session: AsyncSession, payload: dict) -> Organization:
    slug = _text(payload, "organization", 64)
    organization = (await session.exec(select(Organization).where(Organization.slug == slug))).first()
    if organization is None:
        raise TranscriptRefused(404, f"Unknown organization: {slug}.")
    return organization


async def category_texts(session: AsyncSession, *, organization_id: int) -> list[CategoryText]:
    rows = (await session.exec(select(WrapUpCategory).where(WrapUpCategory.organization_id == organization_id)
                               .order_by(WrapUpCategory.category, WrapUpCategory.subcategory))).all()
    return [CategoryText(r.category, r.subcategory, r.description, r.examples) for r in rows]


async def _existing(session: AsyncSession, organization_id: int, conversation_id: str) -> ChatbotTranscript | None:
    return (await session.exec(select(ChatbotTranscript).where(
        ChatbotTranscript.organization_id == organization_id,
        ChatbotTranscript.conversation_id == conversation_id))).first()


def _duplicate(row: ChatbotTranscript) -> Received:
    return Received(DUPLICATE, row.id, row.case_id, row.interaction_id)


async def _store_interaction(session: AsyncSession, *, organization: Organization, customer: Customer,
                             posted: Posted, analysis: Analysis) -> Interaction:
    case = await interactions._open_case(session, organization_id=organization.id, customer_id=customer.id,
                                         email=None, phone=None)
    joined = case is not None
    if case is None:  # a brand-new closed case, categorised when the classifier is confident
        case = Case(organization_id=organization.id, customer_id=customer.id, status="closed", origin="chatbot",
                    category=analysis.category, subcategory=analysis.subcategory, created_at=posted.started_at,
                    closed_at=posted.ended_at)
        session.add(case)
        await session.flush()
    # An open case keeps its category and subcategory, set or empty: the transcript only joins it.
    last_customer = next((t.text for t in reversed(posted.turns) if t.author == "customer"), "")
    interaction = Interaction(
        organization_id=organization.id, case_id=case.id, customer_id=customer.id, channel="chatbot",
        state="closed", verified=True, joined_open_case=joined, given_first_name=customer.first_name,
        given_last_name=customer.last_name, given_email=customer.email, given_phone=customer.phone,
        created_at=posted.started_at, last_activity_at=posted.ended_at, closed_at=posted.ended_at,
        last_author=posted.turns[-1].author, last_text=last_customer[:500])
    session.add(interaction)
    await session.flush()
    session.add_all([Message(interaction_id=interaction.id, author=turn.author, body=turn.text, created_at=turn.at,
                             delivery_status="received" if turn.author == "customer" else "delivered")
                     for turn in posted.turns if turn.text])
    return interaction


async def _store(session: AsyncSession, *, body: bytes, signature: str | None, clock: Clock) -> Received:
    payload = _json_object(body)
    organization = await _organization(session, payload)
    if not signature_is_valid(organization.chatbot_secret, body, signature):
        raise TranscriptRefused(401, f"Bad or missing {SIGNATURE_HEADER}.")
    now = clock()
    posted = parse(payload, now=now)
    customer = (await session.exec(select(Customer).where(
        Customer.organization_id == organization.id,
        Customer.external_id == posted.customer_external_id))).first()
    if customer is None:  # registered customers only (the seed): nothing is created for anyone else
        raise TranscriptRefused(404, f"Unknown customer: {posted.customer_external_id}.")
    existing = await _existing(session, organization.id, posted.conversation_id)
    if existing is not None:
        return _duplicate(existing)
    row = ChatbotTranscript(organization_id=organization.id, conversation_id=posted.conversation_id,
                            customer_id=customer.id, started_at=posted.started_at, ended_at=posted.ended_at,
                            received_at=now, turns=len(posted.turns))
    reason = validity.not_valid_reason(posted.turns)
    if reason:
        row.valid, row.invalid_reason = False, reason
    else:
        analysis = analyse(posted.turns, await category_texts(session, organization_id=organization.id))
        interaction = await _store_interaction(session, organization=organization, customer=customer,
                                               posted=posted, analysis=analysis)
        row.case_id, row.interaction_id = interaction.case_id, interaction.id
        row.summary, row.sentiment, row.sentiment_score = analysis.summary, analysis.sentiment, analysis.sentiment_score
        row.category, row.subcategory = analysis.category, analysis.subcategory
        row.category_confidence, row.method = analysis.category_confidence, analysis.method
        # An agent who has this customer open sees the transcript join the history now, not at the next load.
        events.notify(session, events.customer_topic(customer.id))
    session.add(row)
    await session.flush()  # a concurrent post of the same conversation fails here, on the unique index
    audit.record(session, at=now, kind="chatbot.transcript_received", organization_id=organization.id,
                 subject=f"chatbot-transcript:{row.id}", conversation_id=posted.conversation_id,
                 valid=row.valid, reason=reason, case_id=row.case_id, interaction_id=row.interaction_id)
    return Received(NOT_VALID if reason else STORED, row.id, row.case_id, row.interaction_id, reason)


async def receive(db, *, body: bytes, signature: str | None, clock: Clock) -> Received:
    """Check and store one posted transcript; raises TranscriptRefused for bad input (nothing stored)."""
    if len(body) > MAX_BODY_BYTES:
        raise TranscriptRefused(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KB.")
    try:
        async with db.transaction() as session:
            return await _store(session, body=body, signature=signature, clock=clock)
    except IntegrityError:
        async with db.read() as session:
            payload = _json_object(body)
            organization = await _organization(session, payload)
            existing = await _existing(session, organization.id, str(payload.get("conversation_id", "")).strip())
            if existing is not None:
                return _duplicate(existing)  # the same conversation, stored by a retry that ran alongside
        raise
