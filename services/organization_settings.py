"""Per-organization settings a manager maintains: "Enable SMS OTP Verification", the appeasement limit and
"Require expiring chat links" (signed Live Chat links must carry `expires`), "Allowed chat origins" (the sites
that may frame the Live Chat) and the SMS and WhatsApp numbers customers write to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, embedding
from services.auth import Identity
from services.channels.numbers import has_country_code, parse_address
from services.clock import Clock
from services.errors import NotFound, Refused
from services.models import Organization
from services.orders import money, parse_amount

GRANT = "manage_organization"
MAX_APPEASE_LIMIT_CENTS = 100_000_00  # a typo guard: $100,000.00 per order


@dataclass(frozen=True)
class OrganizationSettings:
    organization_id: int
    name: str
    slug: str
    sms_otp_enabled: bool
    appease_limit: str  # "50.00"
    require_expiring_chat_links: bool
    allowed_chat_origins: str  # one origin per line, as the textbox shows it
    sms_number: str  # E.164, or "" for none
    whatsapp_number: str


def _row(org: Organization) -> OrganizationSettings:
    return OrganizationSettings(organization_id=org.id, name=org.name, slug=org.slug,
                                sms_otp_enabled=org.sms_otp_enabled,
                                appease_limit=f"{org.appease_limit_cents / 100:.2f}",
                                require_expiring_chat_links=org.require_expiring_chat_links,
                                allowed_chat_origins=org.allowed_chat_origins, sms_number=org.sms_number or "",
                                whatsapp_number=org.whatsapp_number or "")


async def listing(session: AsyncSession, *, identity: Identity) -> list[OrganizationSettings]:
    if not identity.can(GRANT):
        return []
    rows = (await session.exec(select(Organization).where(col(Organization.id).in_(identity.organization_ids))
                               .order_by(Organization.name))).all()
    return [_row(org) for org in rows]


_NUMBER_COLUMNS = {"SMS": Organization.sms_number, "WhatsApp": Organization.whatsapp_number}


async def _number(session: AsyncSession, *, kind: str, raw: str, organization_id: int) -> str | None:
    """An SMS or WhatsApp number in E.164, or None for none; one organization per number and channel, since an
    inbound message finds its organization by the number it was sent to."""
    raw = raw.strip().removeprefix("whatsapp:")
    if not raw:
        return None
    number = parse_address(raw).number
    if not has_country_code(number):
        raise Refused(f"Write the {kind} number with its country code, like +1 415 555 0100.")
    column = _NUMBER_COLUMNS[kind]
    other = (await session.exec(select(Organization.name).where(column == number,
                                                                Organization.id != organization_id))).first()
    if other is not None:
        raise Refused(f"{number} is already the {kind} number of {other}.")
    return number


async def update(session: AsyncSession, *, identity: Identity, organization_id: int, sms_otp_enabled: bool,
                 appease_limit: str, require_expiring_chat_links: bool, allowed_chat_origins: str,
                 clock: Clock, sms_number: str | None = None, whatsapp_number: str | None = None
                 ) -> OrganizationSettings:
    """Save the settings; a number left as None is not changed, "" removes it."""
    if not identity.can(GRANT) or not isinstance(organization_id, int) or not identity.serves(organization_id):
        raise NotFound("That organization")
    limit = parse_amount(appease_limit)
    if limit > MAX_APPEASE_LIMIT_CENTS:
        raise Refused(f"The appeasement limit can be at most {money(MAX_APPEASE_LIMIT_CENTS)}.")
    origins = "\n".join(embedding.parse_allowed_origins(allowed_chat_origins))
    numbers = {kind: await _number(session, kind=kind, raw=str(raw), organization_id=organization_id)
               for kind, raw in (("SMS", sms_number), ("WhatsApp", whatsapp_number)) if raw is not None}
    org = await session.get(Organization, organization_id, with_for_update=True)
    numbers_before = (org.sms_number, org.whatsapp_number)
    org.sms_number = numbers.get("SMS", org.sms_number)
    org.whatsapp_number = numbers.get("WhatsApp", org.whatsapp_number)
    before = (org.sms_otp_enabled, org.appease_limit_cents, org.require_expiring_chat_links,
              org.allowed_chat_origins)
    org.sms_otp_enabled, org.appease_limit_cents = bool(sms_otp_enabled), limit
    org.require_expiring_chat_links = bool(require_expiring_chat_links)
    org.allowed_chat_origins = origins
    session.add(org)
    audit.record(session, at=clock(), kind="organization.settings_changed", actor_user_id=identity.user_id,
                 organization_id=org.id, sms_otp_enabled=[before[0], org.sms_otp_enabled],
                 appease_limit_cents=[before[1], limit],
                 require_expiring_chat_links=[before[2], org.require_expiring_chat_links],
                 allowed_chat_origins=[before[3], origins],
                 numbers=[list(numbers_before), [org.sms_number, org.whatsapp_number]])
    return _row(org)
