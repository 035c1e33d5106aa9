"""Order Edit inside the inbox: change quantities and remove lines of an order that has not shipped.

Confirm Changes saves all of it or none of it, with an audit event and a system note in the conversation. The
agent's view carries a version (services/order_status.version_of); if another agent saved first, nothing is
overwritten and the agent is told to look again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, interactions, orders
from services.auth import Identity
from services.clock import Clock
from services.errors import Refused
from services.models import Order, Payment
from services.order_status import EDITABLE, OrderView, lines_of, order_of_interaction, version_of

MAX_QUANTITY = 99


@dataclass(frozen=True)
class EditLine:
    """A line as the agent is editing it; quantity 0 means it will be removed."""
    line_id: int
    name: str
    image_path: str
    unit_cents: int
    unit_price: str
    saved_quantity: int
    quantity: int
    line_total: str


def edit_lines(view: OrderView) -> list[EditLine]:
    return [EditLine(l.line_id, l.name, l.image_path, l.unit_cents, l.unit_price, l.quantity, l.quantity,
                     l.line_total) for l in view.lines]


@dataclass(frozen=True)
class Draft:
    """One interaction's Order Edit as the agent left it: the order as read (its version) and the lines edited.

    `stale`: the order changed underneath since it was read (another agent saved, or it shipped). The agent's
    edits are kept, never overwritten; Confirm Changes is then refused by the version check."""
    order_id: int
    order_number: str
    version: str
    saved_total: str
    lines: list[EditLine]
    stale: bool = False

    @property
    def total(self) -> str:
        return orders.money(sum(l.quantity * l.unit_cents for l in self.lines))

    @property
    def dirty(self) -> bool:
        return changed(self.lines)


def draft_of(view: OrderView) -> Draft:
    return Draft(view.order_id, view.order_number, view.version, view.total, edit_lines(view))


def refreshed(draft: Draft | None, view: OrderView) -> Draft:
    """The draft after the order was read again: unsaved edits are kept (marked stale when the order moved
    under them); with none, the draft simply becomes the order as it is now."""
    if draft is None or draft.order_id != view.order_id or not draft.dirty:
        return draft_of(view)
    moved = view.version != draft.version or not view.can_edit
    return replace(draft, stale=True) if moved and not draft.stale else draft


def with_quantity(lines: list[EditLine], line_id, raw) -> tuple[list[EditLine], str, str]:
    """(lines, new total, message): the edit applied while typing, or the lines unchanged and why."""
    total = orders.money(sum(l.quantity * l.unit_cents for l in lines))
    try:
        quantity = int(str(raw).strip() or "0")
    except ValueError:
        return lines, total, "Enter each quantity as a whole number."
    if not 0 <= quantity <= MAX_QUANTITY or not any(l.line_id == line_id for l in lines):
        return lines, total, f"A quantity is between 1 and {MAX_QUANTITY}; Remove takes a line off."
    edited = [replace(l, quantity=quantity, line_total=orders.money(quantity * l.unit_cents))
              if l.line_id == line_id else l for l in lines]
    return edited, orders.money(sum(l.quantity * l.unit_cents for l in edited)), ""


def changed(lines: list[EditLine]) -> bool:
    return any(l.quantity != l.saved_quantity for l in lines)


def wanted(lines: list[EditLine]) -> dict[int, int]:
    return {l.line_id: l.quantity for l in lines if l.quantity != l.saved_quantity}


def _wanted(quantities: dict, line_ids: set[int]) -> dict[int, int]:
    """{line id: new quantity} checked against the order's lines; 0 removes a line."""
    if not isinstance(quantities, dict) or not quantities:
        raise Refused("Change a quantity or remove a line first.")
    wanted = {}
    for key, value in quantities.items():
        try:
            line_id, quantity = int(key), int(value)
        except (TypeError, ValueError):
            raise Refused("Enter each quantity as a whole number.") from None
        if line_id not in line_ids:
            raise Refused("That line is not on this order.")
        if not 0 <= quantity <= MAX_QUANTITY:
            raise Refused(f"A quantity is between 1 and {MAX_QUANTITY}; use Remove to take a line off.")
        wanted[line_id] = quantity
    return wanted


async def edit_order(session: AsyncSession, *, identity: Identity, interaction_id: int, order_id: int,
                     quantities: dict, version: str, clock: Clock) -> Order:
    if not identity.can("order_edit"):
        raise Refused("You do not have the grant to edit orders.")
    interaction, order = await order_of_interaction(session, identity=identity, interaction_id=interaction_id,
                                                    order_id=order_id, for_update=True)
    if interaction.state != "assigned":
        raise Refused("This interaction is closed; it is read-only.")
    if order.status not in EDITABLE:
        raise Refused(f"Order {order.order_number} is {order.status}; only lines that have not shipped can change.")
    rows = await lines_of(session, order.id)
    if version != version_of(order, [line for line, _ in rows]):
        raise Refused(f"Order {order.order_number} was changed by someone else while you were editing. "
                      "Nothing was saved; review the order and make your changes again.")
    wanted = _wanted(quantities, {line.id for line, _ in rows})
    changes = [(line, item, wanted[line.id]) for line, item in rows
               if line.id in wanted and wanted[line.id] != line.quantity]
    if not changes:
        raise Refused("Nothing changed on this order.")
    if all(wanted.get(line.id, line.quantity) == 0 for line, _ in rows):
        raise Refused("An order keeps at least one line; cancel the order instead.")
    before = order.total_cents
    audited = [{"line_no": line.line_no, "sku": item.sku, "from": line.quantity, "to": quantity}
               for line, item, quantity in changes]
    for line, _, quantity in changes:
        if quantity == 0:
            await session.delete(line)
        else:
            line.quantity = quantity
            session.add(line)
    order.total_cents = sum(wanted.get(line.id, line.quantity) * item.price_cents for line, item in rows)
    session.add(order)
    # Nothing is charged before shipping: the card's hold follows the new total.
    for payment in (await session.exec(select(Payment).where(Payment.order_id == order.id,
                                                             Payment.status == "Authorized"))).all()[-1:]:
        payment.amount_cents = order.total_cents
        session.add(payment)
    now = clock()
    audit.record(session, at=now, kind="order.edited", actor_user_id=identity.user_id,
                 organization_id=order.organization_id, subject=f"order:{order.id}",
                 order_number=order.order_number, interaction_id=interaction.id,
                 previous_total_cents=before, total_cents=order.total_cents,
                 lines=audited)
    removed = sum(1 for _, _, quantity in changes if quantity == 0)
    summary = ", ".join(p for p in (f"{len(changes) - removed} line(s) changed" if len(changes) > removed else "",
                                    f"{removed} line(s) removed" if removed else "") if p)
    interactions.add_system_message(session, interaction=interaction, at=now,
                                    body=f"Order {order.order_number} was edited ({summary}); the new total is "
                                         f"{orders.money(order.total_cents)}.")
    events.notify(session, events.customer_topic(order.customer_id))
    return order

