"""Order Status shown inside the inbox: an order of the interaction's verified customer, line by line.

A line's status follows its order's (the order is shipped or delivered as a whole in this product), and its
price is the item's price; the order's total is the sum of its lines, which Order Edit keeps true.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import orders
from services.auth import Identity
from services.customer_dashboard import verified_customer
from services.errors import NotFound
from services.models import Interaction, Item, Order, OrderLine, Payment, Shipment

# Lines can change only while nothing of the order has shipped.
EDITABLE = ("Open",)


@dataclass(frozen=True)
class Line:
    line_id: int
    line_no: int
    name: str
    sku: str
    image_path: str
    quantity: int
    unit_price: str
    line_total: str
    status: str
    unit_cents: int = 0


@dataclass(frozen=True)
class PaymentRow:
    method: str
    amount: str
    status: str
    at_iso: str


@dataclass(frozen=True)
class ShipmentRow:
    carrier: str
    tracking_number: str
    status: str
    at_iso: str


@dataclass(frozen=True)
class OrderView:
    order_id: int
    order_number: str
    created_iso: str
    status: str
    subtotal: str
    appeased: str
    total: str
    version: str  # what the agent saw; Order Edit saves only if the order still looks like this
    can_appease: bool = False
    can_cancel: bool = False
    can_return: bool = False
    can_edit: bool = False
    closed: bool = False  # the interaction is closed: look, do not act
    lines: list[Line] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    shipments: list[ShipmentRow] = field(default_factory=list)


def version_of(order: Order, lines: list[OrderLine]) -> str:
    """A fingerprint of what an edit depends on: two agents editing from the same view cannot both save."""
    seen = f"{order.status}|{order.total_cents}|" + ",".join(f"{l.id}:{l.quantity}" for l in lines)
    return hashlib.sha256(seen.encode()).hexdigest()[:16]


async def order_of_interaction(session: AsyncSession, *, identity: Identity, interaction_id: int, order_id: int,
                               for_update: bool = False) -> tuple[Interaction, Order]:
    """The order, if it is the verified customer's of the agent's own interaction, in that organization."""
    interaction, customer = await verified_customer(session, identity=identity, interaction_id=interaction_id)
    order = (await session.get(Order, order_id, with_for_update=for_update)
             if isinstance(order_id, int) and not isinstance(order_id, bool) else None)
    if order is None or order.customer_id != customer.id or order.organization_id != interaction.organization_id:
        raise NotFound("That order")
    return interaction, order


async def lines_of(session: AsyncSession, order_id: int) -> list[tuple[OrderLine, Item]]:
    return list((await session.exec(select(OrderLine, Item).join(Item, Item.id == OrderLine.item_id)
                                    .where(OrderLine.order_id == order_id).order_by(OrderLine.line_no))).all())


async def order_status(session: AsyncSession, *, identity: Identity, interaction_id: int, order_id: int
                       ) -> OrderView:
    interaction, order = await order_of_interaction(session, identity=identity, interaction_id=interaction_id,
                                                    order_id=order_id)
    rows = await lines_of(session, order.id)
    offered = orders.offered(order.status, identity)
    subtotal = sum(line.quantity * item.price_cents for line, item in rows)
    closed = interaction.state != "assigned"
    payments = (await session.exec(select(Payment).where(Payment.order_id == order.id)
                                   .order_by(Payment.created_at, Payment.id))).all()
    shipments = (await session.exec(select(Shipment).where(Shipment.order_id == order.id)
                                    .order_by(Shipment.shipped_at, Shipment.id))).all()
    return OrderView(
        order_id=order.id, order_number=order.order_number, created_iso=order.created_at.isoformat(),
        status=order.status, subtotal=orders.money(subtotal), appeased=orders.money(order.appeased_cents),
        total=orders.money(order.total_cents), version=version_of(order, [line for line, _ in rows]),
        can_appease=offered.appease and not closed, can_cancel=offered.cancel and not closed,
        can_return=offered.return_ and not closed,
        can_edit=order.status in EDITABLE and identity.can("order_edit") and not closed, closed=closed,
        lines=[Line(line.id, line.line_no, item.name, item.sku, item.image_path, line.quantity,
                    orders.money(item.price_cents), orders.money(line.quantity * item.price_cents), order.status,
                    item.price_cents)
               for line, item in rows],
        payments=[PaymentRow(p.method, orders.money(p.amount_cents), p.status, p.created_at.isoformat())
                  for p in payments],
        shipments=[ShipmentRow(s.carrier, s.tracking_number, s.status, s.shipped_at.isoformat())
                   for s in shipments])
