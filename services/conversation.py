"""The conversation section: the selected interaction's transcript, and for a verified customer the
history of their earlier interactions with the same organization, oldest first, newest at the bottom.

Only a window of the latest messages is loaded (DESIGN.md: a var is sent whole on every change).

A chatbot conversation of a verified customer (services/chatbot) is one item of kind `chatbot` at the time it
started: its turns, its auto-generated summary, sentiment and category together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import formatting
from services.attachments.links import AttachmentLink, Linker, agent_link, by_message
from services.models import ChatbotTranscript, Interaction, Message
from services.transcript_window import (  # noqa: F401 - the window a tab holds, used through this module
    Window, last_message_id, merge, message_id, pending_ids, prepend, split, still_moving)

WINDOW = 100
CHATBOT_TURNS_SHOWN = 40  # the latest turns of a bot conversation; its summary tells the rest


@dataclass(frozen=True)
class BotTurn:
    key: str
    author: str  # customer | bot
    body: str
    at_iso: str


@dataclass(frozen=True)
class ConversationItem:
    key: str
    kind: str  # message | divider | chatbot
    author: str = ""  # customer | agent | system | bot
    body: str = ""
    at_iso: str = ""
    delivery_status: str = ""
    failure_reason: str = ""
    label: str = ""  # for a divider: channel and date of an earlier interaction
    internal: bool = False  # an agents-only note: the customer's chat never shows it
    via: str = ""  # the channel an agent's reply went by when not the interaction's own (Reply via)
    attachments: list[AttachmentLink] = field(default_factory=list)
    # A chatbot conversation: `body` is its summary, `label` says when; all of it auto-generated.
    sentiment: str = ""  # positive | neutral | negative
    category: str = ""  # "Order / Return", or empty when the classifier was not confident
    turns: list[BotTurn] = field(default_factory=list)
    hidden_turns: int = 0  # earlier turns not shown
    html: str = ""  # an agent's formatted message, sanitised: shown as HTML instead of `body`
    original: str = ""  # a customer's email: where the agent opens it as written (channels/email/original.py)
    unverified_sender: bool = False  # a customer's email whose sender failed authentication: a warning


def _message_item(message: Message, attachments: list[AttachmentLink] | None = None) -> ConversationItem:
    html = formatting.shown_html(message.body, message.body_format) if message.author == "agent" else ""
    # `body` stays plain text (the live region reads it out, the panel quotes it); `html` is what is drawn.
    return ConversationItem(key=f"m{message.id}", kind="message", author=message.author,
                            body=formatting.as_plain(message.body, message.body_format),
                            at_iso=message.created_at.isoformat(),
                            delivery_status=message.delivery_status, failure_reason=message.failure_reason,
                            internal=message.internal, via=message.via or "", attachments=attachments or [],
                            html=html, original=original_path(message.id) if message.original_email else "",
                            unverified_sender=message.sender_unverified)


def original_path(message_id: int) -> str:
    return f"/emails/{message_id}/original"


async def _message_items(session: AsyncSession, messages: list[Message], linker: Linker) -> list[ConversationItem]:
    links = await by_message(session, messages, linker)
    return [_message_item(message, links.get(message.id)) for message in messages]


def _divider(interaction: Interaction, current: bool) -> ConversationItem:
    when = interaction.created_at.strftime("%b %d, %Y")
    label = f"{'This' if current else 'Earlier'} {interaction.channel} · {when}"
    return ConversationItem(key=f"d{interaction.id}", kind="divider", label=label,
                            at_iso=interaction.created_at.isoformat())


@dataclass(frozen=True)
class Transcript:
    items: list[ConversationItem]
    has_earlier: bool  # older messages exist before the first one here: the agent can load them


async def _messages(session: AsyncSession, interaction_ids: list[int], limit: int,
                    include_internal: bool = True, before_id: int | None = None) -> tuple[list[Message], bool]:
    """The latest `limit` messages (before `before_id`), oldest first, and whether older ones exist."""
    query = select(Message).where(col(Message.interaction_id).in_(interaction_ids))
    if not include_internal:  # the customer's chat: no agents-only notes, nor replies sent by SMS or WhatsApp
        query = query.where(Message.internal == False, col(Message.via).is_(None))  # noqa: E712 - SQL comparison
    if before_id is not None:
        query = query.where(Message.id < before_id)
    rows = (await session.exec(query.order_by(col(Message.id).desc()).limit(limit + 1))).all()
    return list(reversed(rows[:limit])), len(rows) > limit


async def transcript(session: AsyncSession, *, interaction: Interaction, limit: int = WINDOW) -> list[ConversationItem]:
    """Earlier interactions (verified customers only) then this one, as one oldest-to-newest list."""
    return (await transcript_page(session, interaction=interaction, limit=limit)).items


async def _shown_interactions(session: AsyncSession, interaction: Interaction) -> list[Interaction]:
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
    return interactions


async def _chatbot_items(session: AsyncSession, bots: list[Interaction], after: datetime | None,
                         until: datetime | None) -> list[tuple[datetime, ConversationItem]]:
    """The bot conversations that started within (after, until], each as one item with its latest turns."""
    shown = [i for i in bots if (after is None or i.created_at > after) and (until is None or i.created_at <= until)]
    if not shown:
        return []
    rows = {row.interaction_id: row for row in (await session.exec(select(ChatbotTranscript).where(
        col(ChatbotTranscript.interaction_id).in_([i.id for i in shown])))).all()}
    turns: dict[int, list[Message]] = {}
    for message in (await session.exec(select(Message).where(col(Message.interaction_id).in_([i.id for i in shown]))
                                       .order_by(Message.id))).all():
        turns.setdefault(message.interaction_id, []).append(message)
    items = []
    for bot in shown:
        row, said = rows.get(bot.id), turns.get(bot.id, [])
        category = f"{row.category} / {row.subcategory}" if row and row.category else ""
        items.append((bot.created_at, ConversationItem(
            key=f"b{bot.id}", kind="chatbot", label=f"Chatbot · {bot.created_at.strftime('%b %d, %Y')}",
            body=row.summary if row else "", at_iso=bot.created_at.isoformat(),
            sentiment=row.sentiment if row else "", category=category,
            turns=[BotTurn(f"t{m.id}", m.author, m.body, m.created_at.isoformat()) for m in said[-CHATBOT_TURNS_SHOWN:]],
            hidden_turns=max(len(said) - CHATBOT_TURNS_SHOWN, 0))))
    return items


async def transcript_page(session: AsyncSession, *, interaction: Interaction, limit: int = WINDOW,
                          before_id: int | None = None) -> Transcript:
    """A page of the conversation: the latest messages, or those before `before_id` (scrolling back). Bot
    conversations take their place by time among the page's messages."""
    interactions = await _shown_interactions(session, interaction)
    bots = [i for i in interactions if i.channel == "chatbot"]
    by_id = {i.id: i for i in interactions if i.channel != "chatbot"}
    messages, has_earlier = await _messages(session, list(by_id), limit, before_id=before_id)
    message_items = await _message_items(session, messages, agent_link)
    timed: list[tuple[datetime, ConversationItem]] = []
    shown_divider: set[int] = set()
    show_dividers = len(interactions) > 1
    for message, item in zip(messages, message_items):
        if show_dividers and message.interaction_id not in shown_divider:
            shown_divider.add(message.interaction_id)
            divider_of = by_id[message.interaction_id]
            timed.append((message.created_at, _divider(divider_of, message.interaction_id == interaction.id)))
        timed.append((message.created_at, item))
    if show_dividers and interaction.id not in shown_divider and before_id is None:
        timed.append((interaction.created_at, _divider(interaction, True)))
    if bots:
        until = None
        if before_id is not None:
            following = await session.get(Message, before_id)
            until = following.created_at if following else None
        after = messages[0].created_at if messages and has_earlier else None
        for at, bot_item in await _chatbot_items(session, bots, after, until):
            place = next((n for n, (when, _) in enumerate(timed) if when > at), len(timed))
            timed.insert(place, (at, bot_item))
    return Transcript([item for _, item in timed], has_earlier)


async def updates(session: AsyncSession, *, interaction_id: int, after_id: int,
                  recheck_ids: list[int], include_internal: bool = True,
                  linker: Linker = agent_link) -> list[ConversationItem]:
    """What changed in this interaction since a tab last looked: messages newer than `after_id`, and the
    messages whose delivery status may have moved since (those still queued). Reading by id, not by
    notice, means a missed notice is caught up by the next one."""
    changed = Message.id > after_id
    if recheck_ids:
        changed = changed | col(Message.id).in_(recheck_ids)
    query = select(Message).where(Message.interaction_id == interaction_id, changed)
    if not include_internal:
        query = query.where(Message.internal == False, col(Message.via).is_(None))  # noqa: E712 - SQL comparison
    return await _message_items(session, list((await session.exec(query.order_by(Message.id))).all()), linker)


async def chat_transcript(session: AsyncSession, *, interaction: Interaction, linker: Linker,
                          limit: int = WINDOW) -> list[ConversationItem]:
    """What the customer sees in the Live Chat: this interaction only, with links signed for them."""
    messages, _ = await _messages(session, [interaction.id], limit, include_internal=False)
    return await _message_items(session, messages, linker)


async def refreshed(session: AsyncSession, *, interaction_id: int, held: Window,
                    include_internal: bool = True, channel: str = "chat",
                    linker: Linker = agent_link) -> Window | None:
    """The window after what changed since `held` was read, or None when nothing did."""
    changes = await updates(session, interaction_id=interaction_id, after_id=last_message_id(held),
                            recheck_ids=pending_ids(held, still_moving(channel)), include_internal=include_internal,
                            linker=linker)
    return merge(held, changes) if changes else None
