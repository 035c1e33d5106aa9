"""Per-organization wrap-up Category / Subcategory lists, maintained by managers. A pair may carry an optional
description and example requests (one per line): the chatbot classifier (services/chatbot) reads them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, managed_organizations
from services.auth import Identity
from services.clock import Clock
from services.errors import NotFound, Refused
from services.managed_organizations import OrganizationChoice
from services.models import Organization, WrapUpCategory

GRANT = "manage_wrap_up"


@dataclass(frozen=True)
class CategoryRow:
    category_id: int
    organization_name: str
    category: str
    subcategory: str
    description: str = ""
    examples: str = ""


MAX_DESCRIPTION, MAX_EXAMPLES = 1000, 4000


async def organizations(session: AsyncSession, *, identity: Identity) -> list[OrganizationChoice]:
    """The organizations whose lists this manager maintains."""
    return await managed_organizations.organizations(session, identity=identity, grant=GRANT)


def _require(identity: Identity, organization_id: int) -> None:
    if not identity.can(GRANT) or not identity.serves(organization_id):
        raise NotFound("That organization")


async def listing(session: AsyncSession, *, identity: Identity) -> list[CategoryRow]:
    if not identity.can(GRANT):
        return []
    rows = (await session.exec(
        select(WrapUpCategory, Organization.name).join(Organization, Organization.id == WrapUpCategory.organization_id)
        .where(col(WrapUpCategory.organization_id).in_(identity.organization_ids))
        .order_by(Organization.name, WrapUpCategory.category, WrapUpCategory.subcategory))).all()
    return [CategoryRow(c.id, name, c.category, c.subcategory, c.description, c.examples) for c, name in rows]


async def _insert_unless_listed(session: AsyncSession, *, organization_id: int, category: str,
                                subcategory: str) -> int | None:
    """The new row's id, or None when the pair is already listed. One statement, not check-then-insert:
    two managers adding the same pair at once then get one row and a clear refusal, never an IntegrityError."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(WrapUpCategory).values(organization_id=organization_id, category=category,
                                                   subcategory=subcategory)
    insert = insert.on_conflict_do_nothing(index_elements=["organization_id", "category", "subcategory"])
    return (await session.exec(insert.returning(WrapUpCategory.id))).scalar_one_or_none()


async def add(session: AsyncSession, *, identity: Identity, organization_id: int, category: str, subcategory: str,
              clock: Clock) -> None:
    _require(identity, organization_id)
    category, subcategory = " ".join(category.split())[:80], " ".join(subcategory.split())[:80]
    if not category or not subcategory:
        raise Refused("Enter both a category and a subcategory.")
    if await _insert_unless_listed(session, organization_id=organization_id, category=category,
                                   subcategory=subcategory) is None:
        raise Refused(f"{category} / {subcategory} is already in the list.")
    audit.record(session, at=clock(), kind="wrap_up_category.added", actor_user_id=identity.user_id,
                 organization_id=organization_id, category=category, subcategory=subcategory)


async def describe(session: AsyncSession, *, identity: Identity, category_id: int, description: str, examples: str,
                   clock: Clock) -> None:
    """Set a pair's description and examples (both optional): words that help the classifier find it."""
    row = await session.get(WrapUpCategory, category_id, with_for_update=True)
    if row is None:
        raise NotFound("That category")
    _require(identity, row.organization_id)
    description = " ".join(description.split())
    examples = "\n".join(line.strip() for line in examples.splitlines() if line.strip())
    if len(description) > MAX_DESCRIPTION or len(examples) > MAX_EXAMPLES:
        raise Refused(f"Keep the description within {MAX_DESCRIPTION:,} characters and the examples within "
                      f"{MAX_EXAMPLES:,}.")
    row.description, row.examples = description, examples
    session.add(row)
    audit.record(session, at=clock(), kind="wrap_up_category.described", actor_user_id=identity.user_id,
                 organization_id=row.organization_id, category=row.category, subcategory=row.subcategory)


async def remove(session: AsyncSession, *, identity: Identity, category_id: int, clock: Clock) -> None:
    """Removing a pair leaves wrapped-up cases as they were: they keep their text."""
    row = await session.get(WrapUpCategory, category_id)
    if row is None:
        raise NotFound("That category")
    _require(identity, row.organization_id)
    await session.exec(delete(WrapUpCategory).where(WrapUpCategory.id == category_id))
    audit.record(session, at=clock(), kind="wrap_up_category.removed", actor_user_id=identity.user_id,
                 organization_id=row.organization_id, category=row.category, subcategory=row.subcategory)
