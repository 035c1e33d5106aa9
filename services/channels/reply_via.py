"""Reply via: the channels the agent can reach this customer on now, from the interaction they are in.

- Chat, while the customer's chat is open (a chat interaction only).
- SMS: the interaction's own channel, or a phone with its country code and an organization SMS number.
- WhatsApp: the interaction's own channel (after 24 hours only a template goes, see whatsapp.py), or a phone
  that wrote to the organization's WhatsApp number within the last 24 hours (WhatsApp allows nothing else).
Email joins with outbound email (issue 10).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.channels import whatsapp
from services.channels.numbers import has_country_code
from services.models import Interaction, Message, Organization

LABELS = {"chat": "Chat", "sms": "SMS", "whatsapp": "WhatsApp", "email": "Email"}


async def _whatsapp_window_of_phone(session: AsyncSession, *, organization_id: int, phone: str, now: datetime) -> bool:
    last = (await session.exec(select(func.max(Message.created_at)).join(
        Interaction, Interaction.id == Message.interaction_id).where(
        Interaction.organization_id == organization_id, Interaction.channel == "whatsapp",
        Interaction.given_phone == phone, Message.author == "customer"))).one()
    return whatsapp.window_open(last, now)


async def options(session: AsyncSession, *, interaction: Interaction, now: datetime) -> list[str]:
    """The interaction's own channel first (when it can still be reached), then the others."""
    organization = await session.get(Organization, interaction.organization_id)
    phone = interaction.given_phone if has_country_code(interaction.given_phone) else None
    found = []
    if interaction.channel == "chat" and not interaction.chat_ended_at:
        found.append("chat")
    if interaction.channel == "whatsapp":
        found.append("whatsapp")
    if interaction.channel == "sms" or (phone and organization.sms_number):
        found.append("sms")
    if interaction.channel != "whatsapp" and phone and organization.whatsapp_number and \
            await _whatsapp_window_of_phone(session, organization_id=organization.id, phone=phone, now=now):
        found.append("whatsapp")
    return found


async def sender_for(session: AsyncSession, *, interaction: Interaction, channel: str) -> str | None:
    """Our number for a reply by `channel`: the one the customer wrote to, or the organization's for it."""
    if channel == interaction.channel:
        return interaction.channel_number
    organization = await session.get(Organization, interaction.organization_id)
    return organization.whatsapp_number if channel == "whatsapp" else organization.sms_number
