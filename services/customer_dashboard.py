"""The Customer Dashboard shown inside the inbox: the verified customer's profile, metrics, orders and cases.

Everything is read through the agent's own interaction and scoped to that interaction's organization: the
same person at another brand is another customer, and their orders and cases never show here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import customer_header, interactions, orders
from services.auth import Identity
from services.customer_header import CustomerMetrics, CustomerProfile
from services.errors import Refused
from services.models import Case, Customer, Interaction, Order
from services.text import full_name

ORDERS_PER_PAGE = 10
SHOWN_CASES = 50


@dataclass(frozen=True)
class OrderRow:
    order_id: int
    order_number: str
    created_iso: str
    status: str
    total: str


@dataclass(frozen=True)
class CaseRow:
    case_id: int
    status: str  # Open | Closed
    origin: str
    created_iso: str
    category: str
    channels: str  # the channel of each of its interactions, oldest first: "chat, email"


@dataclass(frozen=True)
class Dashboard:
    profile: CustomerProfile
    metrics: CustomerMetrics  # average_csat is left out: only the inbox shows it
    orders: list[OrderRow] = field(default_factory=list)
    page: int = 0
    has_more_orders: bool = False
    cases: list[CaseRow] = field(default_factory=list)


async def verified_customer(session: AsyncSession, *, identity: Identity, interaction_id: int
                            ) -> tuple[Interaction, Customer]:
    """The verified customer of the agent's own interaction (open or closed), of that interaction's brand."""
    interaction = await interactions.assigned_interaction(session, identity=identity, interaction_id=interaction_id)
    if not interaction.verified or interaction.customer_id is None:
        raise Refused("Verify the customer to see their dashboard.")
    customer = await session.get(Customer, interaction.customer_id)
    if customer is None or customer.organization_id != interaction.organization_id:
        raise Refused("This customer belongs to another organization.")
    return interaction, customer


async def _orders(session: AsyncSession, customer: Customer, page: int) -> tuple[list[OrderRow], bool]:
    rows = (await session.exec(
        select(Order).where(Order.customer_id == customer.id, Order.organization_id == customer.organization_id)
        .order_by(col(Order.created_at).desc(), col(Order.id).desc())
        .offset(page * ORDERS_PER_PAGE).limit(ORDERS_PER_PAGE + 1))).all()
    shown = [OrderRow(o.id, o.order_number, o.created_at.isoformat(), o.status, orders.money(o.total_cents))
             for o in rows[:ORDERS_PER_PAGE]]
    return shown, len(rows) > ORDERS_PER_PAGE


async def _cases(session: AsyncSession, customer: Customer) -> list[CaseRow]:
    cases = (await session.exec(
        select(Case).where(Case.customer_id == customer.id, Case.organization_id == customer.organization_id)
        .order_by(col(Case.created_at).desc()).limit(SHOWN_CASES))).all()
    if not cases:
        return []
    channels: dict[int, list[str]] = {}
    for case_id, channel in (await session.exec(
            select(Interaction.case_id, Interaction.channel).where(col(Interaction.case_id).in_([c.id for c in cases]))
            .order_by(Interaction.created_at))).all():
        channels.setdefault(case_id, []).append(channel)
    return [CaseRow(c.id, c.status.capitalize(), c.origin, c.created_at.isoformat(),
                    " / ".join(p for p in (c.category, c.subcategory) if p), ", ".join(channels.get(c.id, [])))
            for c in cases]


async def dashboard(session: AsyncSession, *, identity: Identity, interaction_id: int, page: int = 0) -> Dashboard:
    if not isinstance(page, int) or page < 0:
        raise Refused("That page of orders does not exist.")
    _, customer = await verified_customer(session, identity=identity, interaction_id=interaction_id)
    metrics = await customer_header.customer_metrics(session, customer)
    profile = CustomerProfile(
        customer_id=customer.id, name=full_name(customer.first_name, customer.last_name),
        email=customer.email or "", phone=customer.phone or "", loyalty=customer.loyalty or "None",
        status=customer.status, timezone=customer.timezone or "UTC",
        customer_since_iso=customer.created_at.isoformat() if customer.created_at else "")
    order_rows, more = await _orders(session, customer, page)
    return Dashboard(profile=profile, metrics=CustomerMetrics(orders=metrics.orders,
                                                              lifetime_value=metrics.lifetime_value,
                                                              returns=metrics.returns, open_cases=metrics.open_cases),
                     orders=order_rows, page=page, has_more_orders=more, cases=await _cases(session, customer))
