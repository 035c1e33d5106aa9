"""Wrap Up's suggested Category / Subcategory for a live interaction: the chatbot classifier over what the
customer wrote (the agent's replies count half, as a bot's do). None when it is not confident; the caller
offers it only when the case has no category yet."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.chatbot import classifier
from services.chatbot.classifier import Choice
from services.chatbot.transcripts import category_texts
from services.chatbot.turns import Turn
from services.models import Interaction, Message

READ_MESSAGES = 100  # the latest ones: enough to know what the conversation is about


async def suggest(session: AsyncSession, *, interaction: Interaction) -> Choice | None:
    rows = (await session.exec(
        select(Message.author, Message.body).where(Message.interaction_id == interaction.id,
                                                   col(Message.author).in_(("customer", "agent")),
                                                   Message.internal == False)  # noqa: E712 - SQL comparison
        .order_by(col(Message.id).desc()).limit(READ_MESSAGES))).all()
    turns = [Turn("customer" if author == "customer" else "bot", body) for author, body in reversed(rows)]
    if not any(turn.author == "customer" for turn in turns):
        return None
    return classifier.classify(turns, await category_texts(session, organization_id=interaction.organization_id))
