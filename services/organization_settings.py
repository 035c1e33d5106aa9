"""Per-organization settings a manager maintains: "Enable SMS OTP Verification", the appeasement limit and
"Require expiring chat links" (signed Live Chat links must carry `expires`) and "Allowed chat origins" (the sites
that may frame the Live Chat)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, embedding
from services.auth import Identity
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


def _row(org: Organization) -> OrganizationSettings:
    return OrganizationSettings(organization_id=org.id, name=org.name, slug=org.slug,
                                sms_otp_enabled=org.sms_otp_enabled,
                                appease_limit=f"{org.appease_limit_cents / 100:.2f}",
                                require_expiring_chat_links=org.require_expiring_chat_links,
                                allowed_chat_origins=org.allowed_chat_origins)


async def listing(session: AsyncSession, *, identity: Identity) -> list[OrganizationSettings]:
    if not identity.can(GRANT):
        return []
    rows = (await session.exec(select(Organization).where(col(Organization.id).in_(identity.organization_ids))
                               .order_by(Organization.name))).all()
    return [_row(org) for org in rows]


async def update(session: AsyncSession, *, identity: Identity, organization_id: int, sms_otp_enabled: bool,
                 appease_limit: str, require_expiring_chat_links: bool, allowed_chat_origins: str,
                 clock: Clock) -> OrganizationSettings:
    if not identity.can(GRANT) or not isinstance(organization_id, int) or not identity.serves(organization_id):
        raise NotFound("That organization")
    limit = parse_amount(appease_limit)
    if limit > MAX_APPEASE_LIMIT_CENTS:
        raise Refused(f"The appeasement limit can be at most {money(MAX_APPEASE_LIMIT_CENTS)}.")
    origins = "\n".join(embedding.parse_allowed_origins(allowed_chat_origins))
    org = await session.get(Organization, organization_id, with_for_update=True)
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
                 allowed_chat_origins=[before[3], origins])
    return _row(org)
