"""`Attach` on a message box: the agent's in the inbox, the customer's in the Live Chat. Each call finds the
interaction the way its side may (the agent's own open interaction; the customer's chat by the id their
token opened), then stages, lists or removes files through staging.py."""

from __future__ import annotations

from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from services import interactions
from services.attachments import links, staging
from services.attachments.links import AttachmentLink
from services.auth import Identity
from services.clock import Clock
from services.errors import Refused
from services.models import Interaction


def _agent(identity: Identity) -> staging.Uploader:
    return staging.Uploader("agent", identity.user_id)


def _channel(interaction: Interaction, via: str) -> str:
    """The channel the files are checked for: Reply via's when the agent chose one, else the interaction's."""
    return via if isinstance(via, str) and via in ("chat", "sms", "whatsapp", "email") else interaction.channel


async def agent_attach(session: AsyncSession, *, identity: Identity, interaction_id: int, via: str,
                       uploads: list[staging.Upload], root: Path, clock: Clock) -> None:
    """Checked and thumbnailed before the interaction is locked (decoding takes a while), stored under the lock."""
    interaction = await interactions.active_interaction(session, identity=identity, interaction_id=interaction_id)
    channel_rules = staging.channel_rules_for(_channel(interaction, via))
    prepared = await staging.prepare(uploads, channel_rules)
    interaction = await interactions.active_interaction(session, identity=identity, interaction_id=interaction_id,
                                                        for_update=True)
    await staging.stage(session, interaction=interaction, uploader=_agent(identity), channel_rules=channel_rules,
                        prepared=prepared, root=root, at=clock())


async def agent_remove(session: AsyncSession, *, identity: Identity, interaction_id: int, attachment_id: int,
                       root: Path) -> None:
    await interactions.active_interaction(session, identity=identity, interaction_id=interaction_id, for_update=True)
    await staging.unstage(session, interaction_id=interaction_id, uploader=_agent(identity),
                          attachment_id=attachment_id, root=root)


async def agent_pending(session: AsyncSession, *, identity: Identity, interaction_id: int) -> list[AttachmentLink]:
    """The agent's staged files on this interaction while it is open and theirs; none otherwise (one that
    bounced or was transferred away keeps nothing to send: the media loop lets those files go)."""
    rows = await staging.staged(session, interaction_id=interaction_id, uploader=_agent(identity))
    if rows:
        try:
            await interactions.active_interaction(session, identity=identity, interaction_id=interaction_id)
        except Refused:
            return []
    return [links.agent_link(row) for row in rows]


async def _open_chat(session: AsyncSession, interaction_id: int) -> Interaction:
    interaction = await interactions.locked_interaction(session, interaction_id=interaction_id)
    if interaction.channel != "chat" or interaction.state == "closed" or interaction.chat_ended_at:
        raise Refused("This conversation has ended.")
    return interaction


async def customer_attach(session: AsyncSession, *, interaction_id: int, uploads: list[staging.Upload],
                          root: Path, clock: Clock) -> None:
    channel_rules = staging.channel_rules_for("chat")
    prepared = await staging.prepare(uploads, channel_rules)  # before any lock: decoding takes a while
    interaction = await _open_chat(session, interaction_id)
    await staging.stage(session, interaction=interaction, uploader=staging.Uploader("customer"),
                        channel_rules=channel_rules, prepared=prepared, root=root, at=clock())


async def customer_remove(session: AsyncSession, *, interaction_id: int, attachment_id: int, root: Path) -> None:
    await _open_chat(session, interaction_id)
    await staging.unstage(session, interaction_id=interaction_id, uploader=staging.Uploader("customer"),
                          attachment_id=attachment_id, root=root)


async def customer_pending(session: AsyncSession, *, interaction_id: int,
                           linker: links.Linker) -> list[AttachmentLink]:
    rows = await staging.staged(session, interaction_id=interaction_id, uploader=staging.Uploader("customer"))
    return [linker(row) for row in rows]
