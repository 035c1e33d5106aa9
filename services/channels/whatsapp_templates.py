"""Sending an approved WhatsApp template: the only way to write first, or again after 24 hours of silence."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from services import interactions
from services.auth import Identity
from services.channels import whatsapp
from services.clock import Clock
from services.errors import NotFound, Refused
from services.models import Message, WhatsAppTemplate


async def send_template(session: AsyncSession, *, identity: Identity, interaction_id: int, template_id: int,
                        values: list[str], clock: Clock) -> Message:
    """The template, filled in, into the agent's own open WhatsApp interaction; the outbox sends it by its
    content SID, and the conversation shows its text."""
    interaction = await interactions.active_interaction(session, identity=identity, interaction_id=interaction_id,
                                                        for_update=True)
    if interaction.channel != "whatsapp":
        raise Refused("Templates are for WhatsApp conversations.")
    template = await session.get(WhatsAppTemplate, template_id) if isinstance(template_id, int) else None
    if template is None or template.organization_id != interaction.organization_id:
        raise NotFound("That template")
    filled = whatsapp.fill(template, values)
    return await interactions.add_agent_message(
        session, identity=identity, interaction=interaction, body=filled.text, at=clock(), clock=clock,
        content_sid=filled.content_sid, content_variables=filled.variables_json)
