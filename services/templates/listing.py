"""What each screen lists, always in display sequence, custom templates before base ones.

Every query names the organization and the owner: an agent is only ever offered their own custom templates
and the base templates of the organization in question (the seed's cross-organization rule).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth import Identity
from services.managed_organizations import OrganizationChoice
from services.models import Organization, ResponseTemplate, User
from services.templates import GRANT
from services.templates.rows import QUICK_RESPONSE_CHANNELS, TemplateRow, row

MAX_QUICK_RESPONSES = 50  # the seed's limit of chips


@dataclass(frozen=True)
class Chip:
    template_id: int
    name: str


async def organizations(session: AsyncSession, *, identity: Identity) -> list[OrganizationChoice]:
    """The organizations whose templates this agent manages separately: the ones they serve, by name."""
    found = await session.exec(select(Organization).where(col(Organization.id).in_(identity.organization_ids))
                               .order_by(Organization.name))
    return [OrganizationChoice(o.id, o.name) for o in found.all()]


def _custom_first():
    return case((col(ResponseTemplate.owner_user_id).is_(None), 1), else_=0)


def _usable_by(owner_user_id: int, organization_id: int):
    return (ResponseTemplate.organization_id == organization_id,
            or_(col(ResponseTemplate.owner_user_id).is_(None), ResponseTemplate.owner_user_id == owner_user_id))


def _in_channel(channel: str):
    # Channels are stored as "chat,sms,whatsapp,email": a match on the whole word, whatever its position.
    return ("," + col(ResponseTemplate.channels) + ",").contains(f",{channel},")


async def my_responses(session: AsyncSession, *, identity: Identity, organization_id: int) -> list[TemplateRow]:
    if not identity.serves(organization_id):
        return []
    found = await session.exec(select(ResponseTemplate).where(
        ResponseTemplate.organization_id == organization_id, ResponseTemplate.owner_user_id == identity.user_id)
        .order_by(ResponseTemplate.display_sequence, ResponseTemplate.name))
    return [row(t) for t in found.all()]


async def base_templates(session: AsyncSession, *, identity: Identity, organization_id: int) -> list[TemplateRow]:
    if not identity.serves(organization_id):
        return []
    found = await session.exec(select(ResponseTemplate).where(
        ResponseTemplate.organization_id == organization_id, col(ResponseTemplate.owner_user_id).is_(None))
        .order_by(ResponseTemplate.display_sequence, ResponseTemplate.name))
    return [row(t) for t in found.all()]


async def quick_responses(session: AsyncSession, *, identity: Identity, organization_id: int,
                          channel: str) -> list[Chip]:
    """The chips under the message box: chat, SMS and WhatsApp only, at most 50."""
    if channel not in QUICK_RESPONSE_CHANNELS or not identity.serves(organization_id):
        return []
    found = await session.exec(
        select(ResponseTemplate.id, ResponseTemplate.name)
        .where(*_usable_by(identity.user_id, organization_id), col(ResponseTemplate.quick_response).is_(True),
               _in_channel(channel))
        .order_by(_custom_first(), ResponseTemplate.display_sequence, ResponseTemplate.name)
        .limit(MAX_QUICK_RESPONSES))
    return [Chip(template_id, name) for template_id, name in found.all()]


async def candidates(session: AsyncSession, *, identity: Identity, organization_id: int,
                     channel: str) -> list[tuple[int, str, str, bool]]:
    """Every template valid for the channel and organization, in display order: (id, name, body, base).
    Plain columns, not ORM objects: search reads thousands of them per keystroke."""
    if not identity.serves(organization_id):
        return []
    found = await session.exec(
        select(ResponseTemplate.id, ResponseTemplate.name, ResponseTemplate.body,
               col(ResponseTemplate.owner_user_id).is_(None))
        .where(*_usable_by(identity.user_id, organization_id), _in_channel(channel))
        .order_by(_custom_first(), ResponseTemplate.display_sequence, ResponseTemplate.name))
    return [(t, n, b, bool(base)) for t, n, b, base in found.all()]


async def usable(session: AsyncSession, *, identity: Identity, organization_id: int, channel: str,
                 template_id: int) -> ResponseTemplate | None:
    """The template, if this agent may use it on this interaction's channel and organization; else None."""
    template = await session.get(ResponseTemplate, template_id)
    if (template is None or template.organization_id != organization_id or not identity.serves(organization_id)
            or template.owner_user_id not in (None, identity.user_id)
            or channel not in template.channels.split(",")):
        return None
    return template


async def every_template(session: AsyncSession, *, identity: Identity) -> list[TemplateRow]:
    """The managers' page: every agent's custom templates and the base templates of their organizations."""
    if not identity.can(GRANT):
        return []
    found = await session.exec(
        select(ResponseTemplate, Organization.name, User)
        .join(Organization, Organization.id == ResponseTemplate.organization_id)
        .outerjoin(User, User.id == ResponseTemplate.owner_user_id)
        .where(col(ResponseTemplate.organization_id).in_(identity.organization_ids))
        .order_by(Organization.name, _custom_first().desc(), User.user_id, ResponseTemplate.display_sequence,
                  ResponseTemplate.name))
    return [row(t, owner_name=_name(user), organization_name=org) for t, org, user in found.all()]


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return " ".join(p for p in (user.first_name, user.last_name) if p) or user.user_id
