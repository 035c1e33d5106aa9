"""Hours of operation: an organization is open from `opens_at` to `closes_at` ("HH:MM") in its time zone, every
day; a range past midnight (22:00 to 06:00) wraps. Both empty: always open (the demo)."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from services.errors import Refused
from services.models import Organization

_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse(opens_at: str, closes_at: str, timezone: str) -> tuple[str, str, str]:
    """The three settings cleaned, or Refused naming the one that is wrong."""
    opens_at, closes_at, timezone = str(opens_at).strip(), str(closes_at).strip(), str(timezone).strip() or "UTC"
    for label, value in (("Opens at", opens_at), ("Closes at", closes_at)):
        if value and not _HH_MM.match(value):
            raise Refused(f"{label} must be a time like 09:00 (24-hour), or empty for always open.")
    if bool(opens_at) != bool(closes_at):
        raise Refused("Give both Opens at and Closes at, or neither for always open.")
    if opens_at and opens_at == closes_at:
        raise Refused("Opens at and Closes at must differ; leave both empty for always open.")
    if timezone not in available_timezones():
        raise Refused(f"Unknown time zone {timezone[:64]!r}; use a name such as Europe/Paris or America/New_York.")
    return opens_at, closes_at, timezone


def _at(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def is_open(organization: Organization, now: datetime) -> bool:
    if not organization.opens_at or not organization.closes_at:
        return True
    try:
        local = now.astimezone(ZoneInfo(organization.timezone or "UTC")).time()
    except ZoneInfoNotFoundError:
        local = now.time()
    opens, closes = _at(organization.opens_at), _at(organization.closes_at)
    if opens < closes:
        return opens <= local < closes
    return local >= opens or local < closes  # past midnight
