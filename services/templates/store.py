"""Create, edit and delete response templates.

Who may touch what (seed: "no agent can view, edit or delete another agent's custom templates"):
- an agent: their own custom templates, in the organizations they serve;
- a manager with `manage_templates`: any custom template and the base templates of the organizations they serve.
Anything else is NotFound, so a forged id tells nobody whether it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, formatting
from services.auth import Identity
from services.clock import Clock
from services.errors import NotFound, Refused
from services.models import Organization, ResponseTemplate
from services.templates import GRANT
from services.templates.rows import TEXT_CHANNELS, TemplateRow, row

MAX_NAME = 80
MAX_BODY = 5000  # the message box's own limit: a template never holds more than can be sent
MAX_SEQUENCE = 9999


@dataclass(frozen=True)
class TemplateEntry:
    """The popup's form as typed: checked in `_clean`, never trusted."""

    name: str
    body: str
    chat: bool = True
    text: bool = True
    email: bool = False
    quick_response: bool = False
    display_sequence: str | int = ""


@dataclass(frozen=True)
class _Clean:
    name: str
    body: str
    channels: str
    quick_response: bool
    display_sequence: int | None  # None: after the last one
    body_format: str = "text"


def _sequence(value: str | int) -> int | None:
    text = str(value).strip()
    if text == "":
        return None
    if not text.isdigit() or int(text) > MAX_SEQUENCE:
        raise Refused(f"Display Sequence must be a whole number from 0 to {MAX_SEQUENCE}.")
    return int(text)


def _clean(entry: TemplateEntry) -> _Clean:
    # The Response box is the formatted editor: its HTML is sanitised, or kept as the plain text it shows.
    name = " ".join(str(entry.name).split())
    composed = formatting.message_body(str(entry.body), from_editor=True, texted=False)
    body = composed.body
    if not name:
        raise Refused("Enter a Response Name.")
    if len(name) > MAX_NAME:
        raise Refused(f"A Response Name has at most {MAX_NAME} characters.")
    if not body:
        raise Refused("Enter the Response.")
    if len(body) > MAX_BODY:
        raise Refused(f"A Response has at most {MAX_BODY} characters.")
    channels = [*(["chat"] if entry.chat else []), *(TEXT_CHANNELS if entry.text else []),
                *(["email"] if entry.email else [])]
    if not channels:
        raise Refused("Choose where it is Available In: Chat, Text (SMS/WhatsApp) or Email.")
    if entry.quick_response and not (entry.chat or entry.text):
        raise Refused("A Quick Response needs Chat or Text (SMS/WhatsApp): email has no quick responses.")
    return _Clean(name, body, ",".join(channels), bool(entry.quick_response), _sequence(entry.display_sequence),
                  composed.format)


def _may_change(identity: Identity, template: ResponseTemplate | None) -> ResponseTemplate:
    if template is None or not identity.serves(template.organization_id):
        raise NotFound("That response")
    if template.owner_user_id == identity.user_id or identity.can(GRANT):
        return template
    raise NotFound("That response")  # another agent's, or a base template: read-only for agents


async def _check_unique(session: AsyncSession, *, organization_id: int, owner_user_id: int | None, name: str,
                        except_id: int | None = None) -> None:
    """Unique per agent and organization, and never a base template's name (compared ignoring case)."""
    same = (select(ResponseTemplate.owner_user_id)
            .where(ResponseTemplate.organization_id == organization_id,
                   func.lower(ResponseTemplate.name) == name.lower(), ResponseTemplate.id != (except_id or 0)))
    for owner in (await session.exec(same)).all():
        if owner is None:
            raise Refused(f"“{name}” is a base template's name. Choose a unique name.")
        if owner == owner_user_id:
            raise Refused(f"You already have a response called “{name}”. Choose a unique name.")


async def _next_sequence(session: AsyncSession, *, organization_id: int, owner_user_id: int | None) -> int:
    highest = (await session.exec(select(func.max(ResponseTemplate.display_sequence)).where(
        ResponseTemplate.organization_id == organization_id,
        ResponseTemplate.owner_user_id == owner_user_id if owner_user_id else ResponseTemplate.owner_user_id.is_(None),
    ))).first()
    return (highest or 0) + 1


async def _flush(session: AsyncSession, name: str) -> None:
    """The unique index is the backstop when the same name is saved twice at once: a refusal, not a crash."""
    try:
        await session.flush()
    except IntegrityError:
        raise Refused(f"You already have a response called “{name}”. Choose a unique name.") from None


async def _changed(session: AsyncSession, organization_id: int) -> None:
    """Template search re-reads this organization's templates at its next keystroke (search.py)."""
    await session.exec(sql_update(Organization).where(Organization.id == organization_id)
                       .values(template_generation=Organization.template_generation + 1))


async def create(session: AsyncSession, *, identity: Identity, organization_id: int, entry: TemplateEntry,
                 clock: Clock, base: bool = False) -> TemplateRow:
    """A new custom response of the signed-in agent; with `base`, a base template (managers only)."""
    if not identity.serves(organization_id) or (base and not identity.can(GRANT)):
        raise NotFound("That organization")
    clean = _clean(entry)
    owner = None if base else identity.user_id
    await _check_unique(session, organization_id=organization_id, owner_user_id=owner, name=clean.name)
    sequence = clean.display_sequence
    if sequence is None:
        sequence = await _next_sequence(session, organization_id=organization_id, owner_user_id=owner)
    template = ResponseTemplate(organization_id=organization_id, owner_user_id=owner, name=clean.name,
                                body=clean.body, body_format=clean.body_format, channels=clean.channels,
                                quick_response=clean.quick_response,
                                display_sequence=sequence)
    session.add(template)
    await _flush(session, clean.name)
    await _changed(session, organization_id)
    audit.record(session, at=clock(), kind="template.created", actor_user_id=identity.user_id,
                 organization_id=organization_id, subject=f"template:{template.id}", base=base, name=clean.name)
    return row(template)


async def editable(session: AsyncSession, *, identity: Identity, template_id: int) -> TemplateRow:
    """One template to fill the edit form: only one this user may change."""
    return row(_may_change(identity, await session.get(ResponseTemplate, int(template_id))))


async def update(session: AsyncSession, *, identity: Identity, template_id: int, entry: TemplateEntry,
                 clock: Clock) -> TemplateRow:
    template = _may_change(identity, await session.get(ResponseTemplate, int(template_id), with_for_update=True))
    clean = _clean(entry)
    await _check_unique(session, organization_id=template.organization_id, owner_user_id=template.owner_user_id,
                        name=clean.name, except_id=template.id)
    template.name, template.body, template.channels = clean.name, clean.body, clean.channels
    template.body_format = clean.body_format
    template.quick_response = clean.quick_response
    if clean.display_sequence is not None:
        template.display_sequence = clean.display_sequence
    session.add(template)
    await _flush(session, clean.name)
    await _changed(session, template.organization_id)
    audit.record(session, at=clock(), kind="template.updated", actor_user_id=identity.user_id,
                 organization_id=template.organization_id, subject=f"template:{template.id}", name=clean.name)
    return row(template)


async def delete(session: AsyncSession, *, identity: Identity, template_id: int, clock: Clock) -> str:
    """The deleted template's name."""
    template = _may_change(identity, await session.get(ResponseTemplate, int(template_id), with_for_update=True))
    await session.delete(template)
    await _changed(session, template.organization_id)
    audit.record(session, at=clock(), kind="template.deleted", actor_user_id=identity.user_id,
                 organization_id=template.organization_id, subject=f"template:{template.id}", name=template.name)
    return template.name
