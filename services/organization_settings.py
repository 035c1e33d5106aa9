"""Per-organization settings a manager maintains: "Enable SMS OTP Verification", the appeasement limit and
"Require expiring chat links" (signed Live Chat links must carry `expires`), "Allowed chat origins" (the sites
that may frame the Live Chat), the SOP per channel (the seconds an agent has to pick up an interaction), the hours
of operation, the chat inactivity timeout, and the SMS and WhatsApp numbers customers write to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, embedding, hours, inactivity, sop
from services.auth import Identity
from services.channels.numbers import has_country_code, parse_address
from services.clock import Clock
from services.errors import NotFound, Refused
from services.models import CHANNELS, Organization
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
    sop_seconds: dict[str, str]  # channel -> seconds, as the textboxes show them
    sms_number: str  # E.164, or "" for none
    whatsapp_number: str
    opens_at: str = ""  # hours of operation; both empty: always open
    closes_at: str = ""
    timezone: str = "UTC"
    chat_inactivity_minutes: str = "15"  # as the textbox shows it
    chatbot_secret_set: bool = False  # the secret itself never leaves the server


SOP_LABELS = {"chat": "Chat", "sms": "SMS", "whatsapp": "WhatsApp", "email": "Email"}


def parse_sops(values: dict[str, str]) -> dict[str, int]:
    """Each channel's SOP as whole seconds; a bad one is refused with its label, and nothing is saved."""
    parsed = {}
    for channel in CHANNELS:
        text = str(values.get(channel, "")).strip()
        label = f"{SOP_LABELS[channel]} SOP"
        if not text.isdigit() or not sop.MIN_SOP_SECONDS <= int(text) <= sop.MAX_SOP_SECONDS:
            raise Refused(f"{label} must be a whole number of seconds from {sop.MIN_SOP_SECONDS} to "
                          f"{sop.MAX_SOP_SECONDS}.")
        parsed[channel] = int(text)
    return parsed


def _row(org: Organization) -> OrganizationSettings:
    return OrganizationSettings(organization_id=org.id, name=org.name, slug=org.slug,
                                sms_otp_enabled=org.sms_otp_enabled,
                                appease_limit=f"{org.appease_limit_cents / 100:.2f}",
                                require_expiring_chat_links=org.require_expiring_chat_links,
                                allowed_chat_origins=org.allowed_chat_origins,
                                sop_seconds={c: str(sop.seconds_for(org, c)) for c in CHANNELS},
                                sms_number=org.sms_number or "", whatsapp_number=org.whatsapp_number or "",
                                opens_at=org.opens_at, closes_at=org.closes_at, timezone=org.timezone,
                                chat_inactivity_minutes=str(org.chat_inactivity_minutes),
                                chatbot_secret_set=bool(org.chatbot_secret))


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


def _chatbot_secret(raw) -> str:
    secret = str(raw or "").strip()
    if secret and not (16 <= len(secret) <= 200 and secret.isprintable()):
        raise Refused("The chatbot secret must be 16 to 200 printable characters.")
    return secret


async def update(session: AsyncSession, *, identity: Identity, organization_id: int, sms_otp_enabled: bool,
                 appease_limit: str, require_expiring_chat_links: bool, allowed_chat_origins: str,
                 clock: Clock, sop_seconds: dict[str, str] | None = None,
                 hours_of_operation: tuple[str, str, str] | None = None, sms_number: str | None = None,
                 whatsapp_number: str | None = None, chat_inactivity_minutes: str | None = None,
                 chatbot_secret: str = "") -> OrganizationSettings:
    """`sop_seconds`: channel -> seconds; None leaves the SOPs as they are. A new SOP applies to interactions
    assigned from now on; deadlines already armed keep theirs. `hours_of_operation`: (opens at, closes at, time
    zone); None leaves them as they are. A number left as None is not changed, "" removes it.
    `chat_inactivity_minutes`: None leaves it; a new timeout applies from each chat's next customer message.
    `chatbot_secret`: "" keeps the current one; a new one (16 to 200 characters) replaces it."""
    if not identity.can(GRANT) or not isinstance(organization_id, int) or not identity.serves(organization_id):
        raise NotFound("That organization")
    limit = parse_amount(appease_limit)
    if limit > MAX_APPEASE_LIMIT_CENTS:
        raise Refused(f"The appeasement limit can be at most {money(MAX_APPEASE_LIMIT_CENTS)}.")
    origins = "\n".join(embedding.parse_allowed_origins(allowed_chat_origins))
    sops = parse_sops(sop_seconds) if sop_seconds is not None else None
    opening = hours.parse(*hours_of_operation) if hours_of_operation is not None else None
    idle = inactivity.parse_minutes(chat_inactivity_minutes) if chat_inactivity_minutes is not None else None
    new_secret = _chatbot_secret(chatbot_secret)
    numbers = {kind: await _number(session, kind=kind, raw=str(raw), organization_id=organization_id)
               for kind, raw in (("SMS", sms_number), ("WhatsApp", whatsapp_number)) if raw is not None}
    org = await session.get(Organization, organization_id, with_for_update=True)
    sops_before = {c: sop.seconds_for(org, c) for c in CHANNELS}
    for channel, seconds in (sops or {}).items():
        setattr(org, f"sop_{channel}_seconds", seconds)
    hours_before = [org.opens_at, org.closes_at, org.timezone]
    if opening is not None:
        org.opens_at, org.closes_at, org.timezone = opening
    idle_before = org.chat_inactivity_minutes
    org.chat_inactivity_minutes = idle if idle is not None else idle_before
    numbers_before = (org.sms_number, org.whatsapp_number)
    org.sms_number = numbers.get("SMS", org.sms_number)
    org.whatsapp_number = numbers.get("WhatsApp", org.whatsapp_number)
    before = (org.sms_otp_enabled, org.appease_limit_cents, org.require_expiring_chat_links,
              org.allowed_chat_origins)
    org.sms_otp_enabled, org.appease_limit_cents = bool(sms_otp_enabled), limit
    org.require_expiring_chat_links = bool(require_expiring_chat_links)
    org.allowed_chat_origins = origins
    secret_changed = bool(new_secret) and new_secret != org.chatbot_secret
    org.chatbot_secret = new_secret or org.chatbot_secret
    session.add(org)
    audit.record(session, at=clock(), kind="organization.settings_changed", actor_user_id=identity.user_id,
                 organization_id=org.id, sms_otp_enabled=[before[0], org.sms_otp_enabled],
                 appease_limit_cents=[before[1], limit],
                 require_expiring_chat_links=[before[2], org.require_expiring_chat_links],
                 allowed_chat_origins=[before[3], origins],
                 sop_seconds=[sops_before, {c: sop.seconds_for(org, c) for c in CHANNELS}],
                 hours_of_operation=[hours_before, [org.opens_at, org.closes_at, org.timezone]],
                 chat_inactivity_minutes=[idle_before, org.chat_inactivity_minutes],
                 numbers=[list(numbers_before), [org.sms_number, org.whatsapp_number]],
                 chatbot_secret_changed=secret_changed)  # never the secret itself
    return _row(org)
