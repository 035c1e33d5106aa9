"""Template variables, filled from the interaction when a template is used.

An unknown variable (a typo such as {customer_frist_name}) or one with nothing to fill it with is left in the
text exactly as written and named in `unfilled`, so the agent sees it before sending: never silently dropped.
"""

from __future__ import annotations

import re
from html import escape
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from services.auth import Identity
from services.models import Customer, Interaction, Organization, User

VARIABLES = ("customer_first_name", "agent_first_name", "organization")
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Filled:
    text: str
    unfilled: tuple[str, ...]  # as written, e.g. "{customer_frist_name}"


def fill(body: str, values: dict[str, str], *, html: bool = False) -> Filled:
    """The variables filled in. In an HTML body the values are escaped: a name the customer typed is text,
    never markup."""
    unfilled: list[str] = []

    def _one(match: re.Match) -> str:
        value = values.get(match.group(1), "")
        if value:
            return escape(value, quote=False) if html else value
        if match.group(0) not in unfilled:
            unfilled.append(match.group(0))
        return match.group(0)

    return Filled(_VARIABLE.sub(_one, body), tuple(unfilled))


def unknown(body: str) -> tuple[str, ...]:
    """Variables in a template that will never be filled: said when the template is saved."""
    return tuple(dict.fromkeys(m.group(0) for m in _VARIABLE.finditer(body) if m.group(1) not in VARIABLES))


async def values_for(session: AsyncSession, *, identity: Identity, interaction: Interaction) -> dict[str, str]:
    """The interaction's values: the verified customer's record, else the name the customer gave."""
    customer = await session.get(Customer, interaction.customer_id) if interaction.customer_id else None
    agent = await session.get(User, identity.user_id)
    organization = await session.get(Organization, interaction.organization_id)
    return {
        "customer_first_name": (customer.first_name if customer else interaction.given_first_name).strip(),
        "agent_first_name": (agent.first_name if agent else "").strip(),
        "organization": organization.name if organization else "",
    }


def insert_at(draft: str, text: str, cursor: int) -> str:
    """The text inserted where the cursor was in the message box; appended when the position is unknown."""
    if 0 <= cursor <= len(draft):
        return draft[:cursor] + text + draft[cursor:]
    return f"{draft.rstrip()} {text}".strip() if draft.strip() else text
