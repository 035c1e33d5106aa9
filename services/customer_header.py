"""What the verified customer header shows: profile, metrics, most recent order, recommendations.

Everything is scoped to the interaction's organization (a customer record belongs to one brand), and
only read for the agent's own interaction with a verified customer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import interactions, orders
from services.auth import Identity
from services.models import Case, CsatRating, Customer, Item, Order, OrderLine, Recommendation
from services.text import full_name

ORDER_IMAGES = 3
RECOMMENDATIONS = 3


@dataclass(frozen=True)
class Picture:
    name: str
    image_path: str
    url: str = ""


@dataclass(frozen=True)
class CustomerProfile:
    customer_id: int = 0
    name: str = ""
    email: str = ""
    phone: str = ""
    loyalty: str = ""
    status: str = ""
    timezone: str = "UTC"
    customer_since_iso: str = ""
    first_name: str = ""  # as the profile dialog edits them
    last_name: str = ""


@dataclass(frozen=True)
class CustomerMetrics:
    orders: int = 0
    lifetime_value: str = ""
    returns: int = 0
    open_cases: int = 0
    average_csat: str = ""  # "4.5"; empty when there are no ratings yet
    ratings: int = 0


@dataclass(frozen=True)
class RecentOrder:
    order_id: int = 0
    order_number: str = ""
    created_iso: str = ""
    status: str = ""
    total: str = ""
    appeased: str = ""
    appeasable: str = ""
    more_items: int = 0  # the "+N" after the first three images
    can_appease: bool = False
    can_cancel: bool = False
    can_return: bool = False


@dataclass(frozen=True)
class CustomerHeader:
    profile: CustomerProfile
    metrics: CustomerMetrics
    order: RecentOrder
    order_images: list[Picture] = field(default_factory=list)
    recommendations: list[Picture] = field(default_factory=list)


async def _count(session: AsyncSession, query) -> int:
    return (await session.exec(query)).one()


async def customer_metrics(session: AsyncSession, customer: Customer) -> CustomerMetrics:
    """The header's metrics; the Customer Dashboard shows the same ones without the average CSAT score."""
    mine = Order.customer_id == customer.id
    count = await _count(session, select(func.count(Order.id)).where(mine))
    spend = await _count(session, select(func.coalesce(func.sum(Order.total_cents), 0))
                         .where(mine, Order.status != "Cancelled"))
    returns = await _count(session, select(func.count(Order.id)).where(mine, Order.status == "Return Initiated"))
    open_cases = await _count(session, select(func.count(Case.id)).where(
        Case.customer_id == customer.id, Case.status == "open"))
    average, ratings = (await session.exec(select(func.avg(CsatRating.score), func.count(CsatRating.id)).where(
        CsatRating.customer_id == customer.id))).one()
    return CustomerMetrics(orders=count, lifetime_value=orders.money(spend), returns=returns,
                           open_cases=open_cases, ratings=ratings,
                           average_csat=f"{float(average):.1f}" if ratings else "")


async def _recent_order(session: AsyncSession, identity: Identity, customer: Customer
                        ) -> tuple[RecentOrder, list[Picture]]:
    order = (await session.exec(select(Order).where(Order.customer_id == customer.id)
                                .order_by(col(Order.created_at).desc(), col(Order.id).desc()).limit(1))).first()
    if order is None:
        return RecentOrder(), []
    lines = (await session.exec(select(OrderLine, Item).join(Item, Item.id == OrderLine.item_id)
                                .where(OrderLine.order_id == order.id).order_by(OrderLine.line_no))).all()
    pictures = [Picture(name=item.name, image_path=item.image_path) for _, item in lines[:ORDER_IMAGES]]
    offered = orders.offered(order.status, identity)
    return RecentOrder(
        order_id=order.id, order_number=order.order_number, created_iso=order.created_at.isoformat(),
        status=order.status, total=orders.money(order.total_cents), appeased=orders.money(order.appeased_cents),
        appeasable=orders.money(await orders.appeasable_cents(session, order)),
        more_items=max(0, len(lines) - ORDER_IMAGES), can_appease=offered.appease, can_cancel=offered.cancel,
        can_return=offered.return_,
    ), pictures


async def _recommendations(session: AsyncSession, customer: Customer) -> list[Picture]:
    rows = (await session.exec(select(Item).join(Recommendation, Recommendation.item_id == Item.id)
                               .where(Recommendation.customer_id == customer.id,
                                      Item.organization_id == customer.organization_id)
                               .order_by(Recommendation.rank).limit(RECOMMENDATIONS))).all()
    return [Picture(name=item.name, image_path=item.image_path, url=item.url) for item in rows]


async def header(session: AsyncSession, *, identity: Identity, interaction_id: int) -> CustomerHeader | None:
    """The verified header for the agent's interaction; None while the customer is unverified."""
    interaction = await interactions.assigned_interaction(session, identity=identity, interaction_id=interaction_id)
    if not interaction.verified or interaction.customer_id is None:
        return None
    customer = await session.get(Customer, interaction.customer_id)
    order, pictures = await _recent_order(session, identity, customer)
    profile = CustomerProfile(
        customer_id=customer.id, name=full_name(customer.first_name, customer.last_name),
        email=customer.email or "", phone=customer.phone or "", loyalty=customer.loyalty or "None",
        status=customer.status, timezone=customer.timezone or "UTC",
        customer_since_iso=customer.created_at.isoformat() if customer.created_at else "",
        first_name=customer.first_name or "", last_name=customer.last_name or "")
    return CustomerHeader(profile=profile, metrics=await customer_metrics(session, customer), order=order,
                          order_images=pictures, recommendations=await _recommendations(session, customer))
