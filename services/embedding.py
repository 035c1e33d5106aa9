"""Which sites may frame an organization's Live Chat ("Allowed chat origins"), and which site the app itself is.

A retailer embeds `/chat/{slug}` in an iframe on its own pages. The browser enforces who may frame it from the
`frame-ancestors` list this module derives; the inbox and the managers' pages are never framed by anyone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.errors import Refused
from services.models import Organization

ANY_SITE = "*"
MAX_ORIGINS = 50  # a retailer frames its chat on a handful of sites, not hundreds
MAX_TEXT = 4000  # what the column holds
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL, lower-cased, without a default port; None if it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    suffix = f":{port}" if port is not None and port != _DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{host}{suffix}"


def parse_allowed_origins(text: str) -> list[str]:
    """The manager's list, one origin per line, normalised and de-duplicated; `*` alone means any site.

    Raises Refused naming the first line that is not an origin, so nothing half-valid is ever stored.
    """
    text = str(text)
    if len(text) > MAX_TEXT:
        raise Refused(f"The allowed chat origins can be at most {MAX_TEXT} characters long.")
    origins: list[str] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        origin = ANY_SITE if line == ANY_SITE else origin_of(line)
        if origin is None:
            raise Refused(f"“{line[:80]}” is not a site origin: write it as https://shop.example "
                          "(scheme, host and port only), or * for any site.")
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise Refused(f"At most {MAX_ORIGINS} allowed chat origins can be listed.")
    if ANY_SITE in origins:
        return [ANY_SITE]  # any site already includes every other line
    return origins


def stored_origins(stored: str) -> list[str]:
    """What is stored was validated on save; lines are read back as they are."""
    return [line for line in (stored or "").splitlines() if line.strip()]


async def chat_frame_ancestors(session: AsyncSession, slug: str) -> list[str]:
    """The sites that may frame `/chat/{slug}`: empty (nobody) for an unknown organization."""
    stored = (await session.exec(select(Organization.allowed_chat_origins)
                                 .where(Organization.slug == slug[:64]))).first()
    return stored_origins(stored or "")
