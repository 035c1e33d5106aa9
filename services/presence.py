"""Available / Unavailable. Becoming Available lets the queue drain to the agent."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events
from services.auth import Identity
from services.clock import Clock
from services.models import User


async def set_available(
    session: AsyncSession, *, identity: Identity, available: bool, clock: Clock
) -> bool:
    user = await session.get(User, identity.user_id, with_for_update=True)
    if user.available != available:
        now = clock()
        user.available = available
        user.available_since = now
        session.add(user)
        audit.record(session, at=now, kind="presence.changed", actor_user_id=user.id,
                     available=available)
        events.notify(session, events.presence_topic(user.id))
        if available:
            events.notify(session, events.QUEUE_MOVED)  # waiting interactions may now flow to this agent
    return user.available


async def is_available(session: AsyncSession, *, identity: Identity) -> bool:
    user = await session.get(User, identity.user_id)
    return bool(user and user.available)
