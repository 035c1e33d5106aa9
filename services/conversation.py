"""The conversation section: the selected interaction's transcript, and for a verified customer the
history of their earlier interactions with the same organization, oldest first, newest at the bottom.

Only a window of the latest messages is loaded (DESIGN.md: a var is sent whole on every change).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.models import Interaction, Message

WINDOW = 100


@dataclass(frozen=True)
class ConversationItem:
    key: str
    kind: str  # message | divider
    author: str = ""  # customer | agent | system | bot
    body: str = ""
    at_iso: str = ""
    delivery_status: str = ""
    failure_reason: str = ""
    label: str = ""  # for a divider: channel and date of an earlier interaction
    internal: bool = False  # an agents-only note: the customer's chat never shows it


def _message_item(message: Message) -> ConversationItem:
    return ConversationItem(key=f"m{message.id}", kind="message", author=message.author, body=message.body,
                            at_iso=message.created_at.isoformat(),
                            delivery_status=message.delivery_status, failure_reason=message.failure_reason,
                            internal=message.internal)


def _divider(interaction: Interaction, current: bool) -> ConversationItem:
    when = interaction.created_at.strftime("%b %d, %Y")
    label = f"{'This' if current else 'Earlier'} {interaction.channel} · {when}"
    return ConversationItem(key=f"d{interaction.id}", kind="divider", label=label,
                            at_iso=interaction.created_at.isoformat())


async def _messages(session: AsyncSession, interaction_ids: list[int], limit: int,
                    include_internal: bool = True) -> list[Message]:
    query = select(Message).where(col(Message.interaction_id).in_(interaction_ids))
    if not include_internal:
        query = query.where(Message.internal == False)  # noqa: E712 - SQL comparison
    rows = (await session.exec(query.order_by(col(Message.id).desc()).limit(limit))).all()
    return list(reversed(rows))


async def transcript(session: AsyncSession, *, interaction: Interaction, limit: int = WINDOW) -> list[ConversationItem]:
    """Earlier interactions (verified customers only) then this one, as one oldest-to-newest list."""
    interactions = [interaction]
    if interaction.verified and interaction.customer_id:
        earlier = (await session.exec(
            select(Interaction).where(
                Interaction.customer_id == interaction.customer_id,
                Interaction.organization_id == interaction.organization_id,
                Interaction.verified == True,  # noqa: E712 - SQL comparison
                Interaction.id != interaction.id,
                Interaction.created_at <= interaction.created_at,
            ).order_by(Interaction.created_at))).all()
        interactions = [*earlier, interaction]
    by_id = {i.id: i for i in interactions}
    messages = await _messages(session, list(by_id), limit)
    items: list[ConversationItem] = []
    shown_divider: set[int] = set()
    show_dividers = len(interactions) > 1
    for message in messages:
        if show_dividers and message.interaction_id not in shown_divider:
            shown_divider.add(message.interaction_id)
            items.append(_divider(by_id[message.interaction_id], message.interaction_id == interaction.id))
        items.append(_message_item(message))
    if show_dividers and interaction.id not in shown_divider:
        items.append(_divider(interaction, True))
    return items


async def chat_transcript(session: AsyncSession, *, interaction: Interaction, limit: int = WINDOW) -> list[ConversationItem]:
    """What the customer sees in the Live Chat: this interaction only."""
    messages = await _messages(session, [interaction.id], limit, include_internal=False)
    return [_message_item(m) for m in messages]
