"""WhatsApp's rules: free text only within 24 hours of the customer's last message; otherwise (and to write
first) only a template the organization had approved, sent by its content SID with the agent's values.

Time comes from the injected clock, never the wall clock.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.errors import Refused
from services.models import Message, WhatsAppTemplate

WINDOW = timedelta(hours=24)
WINDOW_CLOSED = ("More than 24 hours have passed since the customer's last WhatsApp message, so WhatsApp "
                 "allows only an approved template now.")
_PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
MAX_VALUE_CHARS = 500


async def last_customer_message_at(session: AsyncSession, *, interaction_id: int) -> datetime | None:
    return (await session.exec(select(func.max(Message.created_at)).where(
        Message.interaction_id == interaction_id, Message.author == "customer"))).one()


def window_open(last_customer_message: datetime | None, now: datetime) -> bool:
    return last_customer_message is not None and now < last_customer_message + WINDOW


async def free_text_allowed(session: AsyncSession, *, interaction_id: int, now: datetime) -> bool:
    return window_open(await last_customer_message_at(session, interaction_id=interaction_id), now)


@dataclass(frozen=True)
class TemplateChoice:
    template_id: int
    name: str
    body: str
    placeholders: list[str]  # "1", "2", … in order


def placeholders(body: str) -> list[str]:
    return sorted({str(int(n)) for n in _PLACEHOLDER.findall(body)}, key=int)


async def templates(session: AsyncSession, *, organization_id: int) -> list[TemplateChoice]:
    rows = (await session.exec(select(WhatsAppTemplate).where(WhatsAppTemplate.organization_id == organization_id)
                               .order_by(WhatsAppTemplate.name))).all()
    return [TemplateChoice(row.id, row.name, row.body, placeholders(row.body)) for row in rows]


@dataclass(frozen=True)
class FilledTemplate:
    content_sid: str
    variables_json: str  # Twilio's ContentVariables: {"1": "…", "2": "…"}
    text: str  # what the conversation shows: the approved body with the values in it


def fill(template: WhatsAppTemplate, values: list[str]) -> FilledTemplate:
    """The template with one value per placeholder, each non-empty and single-line (WhatsApp refuses others)."""
    names = placeholders(template.body)
    cleaned = [" ".join(str(v).split())[:MAX_VALUE_CHARS] for v in values] if isinstance(values, list) else []
    if len(cleaned) != len(names) or not all(cleaned):
        raise Refused(f"Fill in every value of the template “{template.name}”.")
    variables = dict(zip(names, cleaned))
    text = _PLACEHOLDER.sub(lambda m: variables[str(int(m.group(1)))], template.body)
    return FilledTemplate(template.content_sid, json.dumps(variables), text)
