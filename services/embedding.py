"""Which sites may frame an organization's Live Chat ("Allowed chat origins").

A retailer embeds `/chat/{slug}` in an iframe on its own pages. The browser enforces who may frame it from the
`frame-ancestors` list this module derives; the inbox and the managers' pages are never framed by anyone.
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.errors import Refused
from services.models import Organization
from services.origins import origin_of

ANY_SITE = "*"
MAX_ORIGINS = 50  # a retailer frames its chat on a handful of sites, not hundreds
MAX_TEXT = 4000  # what the column holds


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
        origin = ANY_SITE if line == ANY_SITE else origin_of(line, wildcard=True)
        if origin is None:
            raise Refused(f"“{line[:80]}” is not a site origin: write it as https://shop.example "
                          "(scheme, host name or IPv4 address, and port; *.shop.example for its subdomains), "
                          "or * for any site.")
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise Refused(f"At most {MAX_ORIGINS} allowed chat origins can be listed.")
    if ANY_SITE in origins:
        return [ANY_SITE]  # any site already includes every other line
    return origins


def stored_origins(stored: str) -> list[str]:
    """The stored list, each line checked again before it reaches a header: a row written by anything but
    `parse_allowed_origins` (a hand-edited database, an older version) can never inject into the policy."""
    lines = [line.strip() for line in (stored or "").splitlines() if line.strip()]
    if ANY_SITE in lines:
        return [ANY_SITE]
    return [line for line in lines if origin_of(line, wildcard=True) == line]


def hands_over_chats(origins: list[str]) -> bool:
    """A framed chat that may not store anything hands its chat token to the framing page only when the
    organization named its sites: with `*`, any site could frame the chat and read what the agent writes."""
    return bool(origins) and ANY_SITE not in origins


async def chat_frame_ancestors(session: AsyncSession, slug: str) -> list[str]:
    """The sites that may frame `/chat/{slug}`: empty (nobody) for an unknown organization."""
    stored = (await session.exec(select(Organization.allowed_chat_origins)
                                 .where(Organization.slug == slug[:64]))).first()
    return stored_origins(stored or "")
