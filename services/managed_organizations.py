"""The organizations a manager maintains something for: the choice offered on the managers' settings pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth import Identity
from services.models import Organization


@dataclass(frozen=True)
class OrganizationChoice:
    organization_id: int
    name: str


async def organizations(session: AsyncSession, *, identity: Identity, grant: str) -> list[OrganizationChoice]:
    """The organizations this user serves, by name, when they hold `grant`; none otherwise."""
    if not identity.can(grant):
        return []
    rows = (await session.exec(select(Organization).where(col(Organization.id).in_(identity.organization_ids))
                               .order_by(Organization.name))).all()
    return [OrganizationChoice(o.id, o.name) for o in rows]
