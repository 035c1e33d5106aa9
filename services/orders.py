"""Quick actions on a verified customer's order from the inbox: Appease, Cancel, Return.

Each is offered only when the order's status allows it, is checked against the agent's grants, changes
the order for real, and leaves an audit event and a system message in the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, interactions
from services.auth import Identity
from services.clock import Clock
from services.errors import NotFound, Refused
from services.models import Appeasement, Interaction, Order, Organization

CANCELLABLE = ("Open",)  # before shipping
RETURNABLE = ("Delivered",)  # after delivery
APPEASABLE = ("Open", "Shipped", "Delivered", "Return Initiated")
APPEASE_REASONS = ("Late delivery", "Damaged item", "Wrong item", "Price adjustment", "Service recovery")


@dataclass(frozen=True)
class Offered:
    appease: bool
    cancel: bool
    return_: bool


def offered(status: str, identity: Identity) -> Offered:
    """Which quick actions the header shows: the order's status allows them and the agent holds the grant."""
    return Offered(appease=status in APPEASABLE and identity.can("appease"),
                   cancel=status in CANCELLABLE and identity.can("cancel"),
                   return_=status in RETURNABLE and identity.can("return"))


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


async def _order_in_conversation(session: AsyncSession, identity: Identity, *, interaction_id: int,
                                 order_id: int, grant: str) -> tuple[Interaction, Order]:
    """The order, if it belongs to the verified customer of the agent's own open interaction."""
    interaction = await interactions.active_interaction(session, identity=identity, interaction_id=interaction_id)
    if not identity.can(grant):
        raise Refused(f"You do not have the grant to {grant} orders.")
    if not interaction.verified or interaction.customer_id is None:
        raise Refused("Verify the customer before acting on their orders.")
    order = await session.get(Order, order_id, with_for_update=True) if isinstance(order_id, int) else None
    if order is None or order.customer_id != interaction.customer_id:
        raise NotFound("That order")
    return interaction, order


def _record(session: AsyncSession, identity: Identity, interaction: Interaction, order: Order, *, kind: str,
            note: str, now, **detail) -> None:
    audit.record(session, at=now, kind=kind, actor_user_id=identity.user_id,
                 organization_id=order.organization_id, subject=f"order:{order.id}",
                 order_number=order.order_number, interaction_id=interaction.id, status=order.status, **detail)
    interactions.add_system_message(session, interaction=interaction, at=now, body=note)
    events.notify(session, events.customer_topic(order.customer_id))


async def cancel_order(session: AsyncSession, *, identity: Identity, interaction_id: int, order_id: int,
                       clock: Clock) -> Order:
    interaction, order = await _order_in_conversation(session, identity, interaction_id=interaction_id,
                                                      order_id=order_id, grant="cancel")
    if order.status not in CANCELLABLE:
        raise Refused(f"Order {order.order_number} is {order.status}; only an order that has not shipped "
                      "can be cancelled.")
    now, previous = clock(), order.status
    order.status = "Cancelled"
    session.add(order)
    _record(session, identity, interaction, order, kind="order.cancelled", now=now, previous_status=previous,
            note=f"Order {order.order_number} has been cancelled.")
    return order


async def return_order(session: AsyncSession, *, identity: Identity, interaction_id: int, order_id: int,
                       clock: Clock) -> Order:
    interaction, order = await _order_in_conversation(session, identity, interaction_id=interaction_id,
                                                      order_id=order_id, grant="return")
    if order.status not in RETURNABLE:
        raise Refused(f"Order {order.order_number} is {order.status}; a return starts only after delivery.")
    now, previous = clock(), order.status
    order.status = "Return Initiated"
    session.add(order)
    _record(session, identity, interaction, order, kind="order.return_initiated", now=now,
            previous_status=previous, note=f"A return has been started for order {order.order_number}.")
    return order


def parse_amount(raw: str) -> int:
    """'12.50' or '$12.50' → 1250 cents; anything else is refused with a clear message."""
    text = (raw or "").strip().lstrip("$").replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Refused("Enter the amount as a number, like 10.00.") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise Refused("Enter an amount above zero, with at most two decimals.")
    return int(amount * 100)


async def appeasable_cents(session: AsyncSession, order: Order) -> int:
    """What is left to give on this order: the organization's limit, and never more than the order's total."""
    organization = await session.get(Organization, order.organization_id)
    return max(0, min(organization.appease_limit_cents, order.total_cents) - order.appeased_cents)


async def appease(session: AsyncSession, *, identity: Identity, interaction_id: int, order_id: int, amount: str,
                  reason: str, clock: Clock) -> Order:
    interaction, order = await _order_in_conversation(session, identity, interaction_id=interaction_id,
                                                      order_id=order_id, grant="appease")
    if order.status not in APPEASABLE:
        raise Refused(f"Order {order.order_number} is {order.status}; it cannot be appeased.")
    if reason not in APPEASE_REASONS:
        raise Refused("Choose a reason for the appeasement.")
    cents = parse_amount(amount)
    left = await appeasable_cents(session, order)
    if cents > left:
        raise Refused(f"At most {money(left)} can still be given on order {order.order_number}.")
    now = clock()
    order.appeased_cents += cents
    session.add(order)
    session.add(Appeasement(order_id=order.id, amount_cents=cents, reason=reason, user_id=identity.user_id,
                            interaction_id=interaction.id, created_at=now))
    _record(session, identity, interaction, order, kind="order.appeased", now=now, amount_cents=cents,
            reason=reason, note=f"An appeasement of {money(cents)} ({reason.lower()}) was applied to order "
                                f"{order.order_number}.")
    return order
