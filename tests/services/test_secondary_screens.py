"""Customer Dashboard, Order Status, Order Edit and the Case screen: scoping by organization, edit rules,
the version check against concurrent edits, and grants."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from services import case_screen, chat, customer_dashboard, events, interactions, order_edit, order_status
from services.customer_dashboard import ORDERS_PER_PAGE
from services.errors import NotFound, Refused
from services.models import (AuditEvent, Case, Customer, Interaction, Item, Message, Order, OrderLine, Payment,
                             Shipment)
from tests.services.factories import make_agent, make_customer, make_org


async def _orders(db, clock, org, customer, count: int, *, prefix: str, status: str = "Open") -> list[Order]:
    async with db.transaction() as session:
        items = [Item(organization_id=org.id, sku=f"{prefix}{n}", name=f"{prefix} item {n}",
                      image_path=f"/items/{n}.svg", url="https://shop.example.com", price_cents=1000 * (n + 1))
                 for n in range(3)]
        session.add_all(items)
        await session.flush()
        made = [Order(organization_id=org.id, customer_id=customer.id, order_number=f"{prefix}-{n}", status=status,
                      created_at=clock() - timedelta(days=n + 1), total_cents=6000) for n in range(count)]
        session.add_all(made)
        await session.flush()
        for order in made:  # 1 × $10 + 1 × $20 + 1 × $30 = the $60 total
            session.add_all(OrderLine(order_id=order.id, line_no=n + 1, item_id=items[n].id) for n in range(3))
    return made


@pytest.fixture
async def world(db, clock):
    """Ellen at Sophia's (with 12 orders) and Ellen at Jane's (2 orders): two customers to the same agent."""
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    alice = await make_agent(db, "alice", [sophias, janes])
    ellen = await make_customer(db, sophias, external_id="ellen-smith")
    ellen_j = await make_customer(db, janes, external_id="ellen-smith")
    own = await _orders(db, clock, sophias, ellen, ORDERS_PER_PAGE + 2, prefix="SO")
    other = await _orders(db, clock, janes, ellen_j, 2, prefix="JA")
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=sophias, secret_key="k", clock=clock, customer=ellen)
    return dict(alice=alice, interaction_id=started.interaction_id, own=own, other=other, sophias=sophias)


async def _read(db, fn, **kwargs):
    async with db.read() as session:
        return await fn(session, **kwargs)


async def test_the_dashboard_shows_this_brands_orders_newest_first_paged_and_its_cases(db, world):
    w = world
    first = await _read(db, customer_dashboard.dashboard, identity=w["alice"], interaction_id=w["interaction_id"])
    assert [o.order_number for o in first.orders] == [f"SO-{n}" for n in range(ORDERS_PER_PAGE)]
    assert first.has_more_orders and first.metrics.orders == ORDERS_PER_PAGE + 2
    assert first.metrics.average_csat == "" and first.profile.name == "Ellen Smith"
    second = await _read(db, customer_dashboard.dashboard, identity=w["alice"], interaction_id=w["interaction_id"],
                         page=1)
    assert [o.order_number for o in second.orders] == ["SO-10", "SO-11"] and not second.has_more_orders
    assert [(c.status, c.channels) for c in first.cases] == [("Open", "chat")]
    assert not any(o.order_number.startswith("JA") for o in first.orders + second.orders)


async def test_the_dashboard_is_refused_for_someone_elses_or_an_unverified_interaction(db, clock, world):
    bob = await make_agent(db, "bob", [world["sophias"]])
    with pytest.raises(NotFound):
        await _read(db, customer_dashboard.dashboard, identity=bob, interaction_id=world["interaction_id"])
    async with db.transaction() as session:
        (await session.get(Interaction, world["interaction_id"])).verified = False
    with pytest.raises(Refused, match="Verify"):
        await _read(db, customer_dashboard.dashboard, identity=world["alice"], interaction_id=world["interaction_id"])


async def test_order_status_shows_lines_and_totals_and_refuses_another_brands_order(db, world):
    w = world
    view = await _read(db, order_status.order_status, identity=w["alice"], interaction_id=w["interaction_id"],
                       order_id=w["own"][0].id)
    assert [(l.name, l.quantity, l.unit_price, l.status) for l in view.lines][0] == ("SO item 0", 1, "$10.00", "Open")
    assert (view.subtotal, view.total, view.can_edit, view.can_cancel) == ("$60.00", "$60.00", True, True)
    for forged in (w["other"][0].id, 10 ** 9, "1", True):
        with pytest.raises(NotFound):
            await _read(db, order_status.order_status, identity=w["alice"], interaction_id=w["interaction_id"],
                        order_id=forged)


async def test_order_status_shows_the_orders_own_payments_and_shipments(db, clock, world):
    w, order, other = world, world["own"][0], world["own"][1]
    async with db.transaction() as session:
        session.add_all([Payment(order_id=order.id, method="Visa •••• 4242", amount_cents=6000, created_at=clock()),
                         Shipment(order_id=order.id, carrier="UPS", tracking_number="1Z9", shipped_at=clock()),
                         Payment(order_id=other.id, method="Gift card", amount_cents=100, created_at=clock())])
    view = await _read(db, order_status.order_status, identity=w["alice"], interaction_id=w["interaction_id"],
                       order_id=order.id)
    assert [(p.method, p.amount, p.status) for p in view.payments] == [("Visa •••• 4242", "$60.00", "Captured")]
    assert [(s.carrier, s.tracking_number, s.status) for s in view.shipments] == [("UPS", "1Z9", "In transit")]


async def _edit(db, clock, w, quantities, version=None, order=None, identity=None):
    order = order or w["own"][0]
    if version is None:
        version = (await _read(db, order_status.order_status, identity=w["alice"], interaction_id=w["interaction_id"],
                               order_id=order.id)).version
    async with db.transaction() as session:
        return await order_edit.edit_order(session, identity=identity or w["alice"], interaction_id=w["interaction_id"],
                                           order_id=order.id, quantities=quantities, version=version, clock=clock)


async def _lines(db, order_id):
    async with db.read() as session:
        rows = (await session.exec(select(OrderLine).where(OrderLine.order_id == order_id)
                                   .order_by(OrderLine.line_no))).all()
        return [(r.line_no, r.quantity) for r in rows], (await session.get(Order, order_id)).total_cents


async def test_an_edit_changes_quantities_removes_lines_recomputes_the_total_and_leaves_a_trail(db, clock, world):
    w, order = world, world["own"][0]
    lines = (await _read(db, order_status.order_status, identity=w["alice"], interaction_id=w["interaction_id"],
                         order_id=order.id)).lines
    async with db.transaction() as session:
        session.add(Payment(order_id=order.id, method="Visa", amount_cents=6000, status="Authorized",
                            created_at=clock()))
    await _edit(db, clock, w, {lines[0].line_id: 3, lines[2].line_id: 0})
    assert await _lines(db, order.id) == ([(1, 3), (2, 1)], 5000)  # 3 × $10 + 1 × $20
    async with db.read() as session:
        assert [p.amount_cents for p in (await session.exec(select(Payment))).all()] == [5000]  # the hold follows
    async with db.read() as session:
        event = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "order.edited"))).one()
        note = (await session.exec(select(Message).where(Message.interaction_id == w["interaction_id"],
                                                         Message.author == "system"))).all()[-1]
    assert json.loads(event.detail)["total_cents"] == 5000 and event.actor_user_id == w["alice"].user_id
    assert "SO-0" in note.body and "$50.00" in note.body


async def test_a_concurrent_edit_is_detected_and_nothing_is_overwritten(db, clock, world):
    w, order = world, world["own"][0]
    seen = await _read(db, order_status.order_status, identity=w["alice"], interaction_id=w["interaction_id"],
                       order_id=order.id)
    await _edit(db, clock, w, {seen.lines[0].line_id: 2}, version=seen.version)  # the other agent saves first
    with pytest.raises(Refused, match="changed by someone else"):
        await _edit(db, clock, w, {seen.lines[1].line_id: 5}, version=seen.version)
    assert await _lines(db, order.id) == ([(1, 2), (2, 1), (3, 1)], 7000)


@pytest.mark.parametrize("quantities, message", [
    ({}, "Change a quantity"), ({"x": 1}, "whole number"), ({10 ** 9: 1}, "not on this order"),
    (None, "Change a quantity"), ("ALL", "Change a quantity")])
async def test_bad_edits_are_refused_and_change_nothing(db, clock, world, quantities, message):
    with pytest.raises(Refused, match=message):
        await _edit(db, clock, world, quantities)
    assert await _lines(db, world["own"][0].id) == ([(1, 1), (2, 1), (3, 1)], 6000)


async def test_edit_rules_quantity_range_last_line_shipped_orders_grant_and_closed_interactions(db, clock, world):
    w, order = world, world["own"][0]
    ids = [l.line_id for l in (await _read(db, order_status.order_status, identity=w["alice"],
                                           interaction_id=w["interaction_id"], order_id=order.id)).lines]
    with pytest.raises(Refused, match="between 1 and 99"):
        await _edit(db, clock, w, {ids[0]: 100})
    with pytest.raises(Refused, match="at least one line"):
        await _edit(db, clock, w, {i: 0 for i in ids})
    with pytest.raises(Refused, match="grant"):
        await _edit(db, clock, w, {ids[0]: 2}, identity=replace(w["alice"], grants=frozenset({"inbox"})))
    with pytest.raises(NotFound):
        await _edit(db, clock, w, {ids[0]: 2}, order=w["other"][0], version="x")
    async with db.transaction() as session:
        (await session.get(Order, order.id)).status = "Shipped"
    with pytest.raises(Refused, match="Shipped"):
        await _edit(db, clock, w, {ids[0]: 2})
    async with db.transaction() as session:
        (await session.get(Order, order.id)).status = "Open"
        (await session.get(Interaction, w["interaction_id"])).state = "closed"
    with pytest.raises(Refused, match="closed"):
        await _edit(db, clock, w, {ids[0]: 2})
    assert await _lines(db, order.id) == ([(1, 1), (2, 1), (3, 1)], 6000)


def test_editing_lines_in_the_screen_recomputes_the_total_and_refuses_bad_input():
    view = order_status.OrderView(1, "SO-1", "", "Open", "$30.00", "$0.00", "$30.00", "v", lines=[
        order_status.Line(7, 1, "A", "A1", "", 1, "$10.00", "$10.00", "Open", 1000),
        order_status.Line(8, 2, "B", "B1", "", 1, "$20.00", "$20.00", "Open", 2000)])
    lines = order_edit.edit_lines(view)
    edited, total, error = order_edit.with_quantity(lines, 7, "4")
    assert (total, error, order_edit.wanted(edited), order_edit.changed(edited)) == ("$60.00", "", {7: 4}, True)
    assert order_edit.with_quantity(edited, 8, "-1")[1:] == ("$60.00", "A quantity is between 1 and 99; Remove "
                                                            "takes a line off.")
    assert order_edit.with_quantity(edited, 9, "1")[0] == edited
    assert order_edit.with_quantity(edited, 8, "two")[2] == "Enter each quantity as a whole number."


async def test_the_case_screen_shows_a_closed_interactions_case_and_editing_never_reopens_it(db, clock, world):
    w = world
    async with db.transaction() as session:
        interaction = await session.get(Interaction, w["interaction_id"])
        interaction.state = "closed"
        (await session.get(Case, interaction.case_id)).status = "closed"
    view = await _read(db, case_screen.case_view, identity=w["alice"], interaction_id=w["interaction_id"])
    assert (view.status, view.editable, "Order / Return" in view.categories) == ("Closed", True, True)
    assert [i.channel for i in view.interactions] == ["chat"] and view.interactions[0].state == "Closed"
    async with db.transaction() as session:
        await case_screen.save_case(session, identity=w["alice"], interaction_id=w["interaction_id"],
                                    notes="Refund confirmed", category="Order / Return", clock=clock)
    async with db.read() as session:
        interaction = await session.get(Interaction, w["interaction_id"])
        case = await session.get(Case, interaction.case_id)
    assert (interaction.state, case.status, case.category, case.notes) == ("closed", "closed", "Order",
                                                                          "Refund confirmed")


async def test_the_case_screen_refuses_without_the_grant_or_with_an_unknown_category(db, clock, world):
    w = world
    reader = replace(w["alice"], grants=frozenset({"inbox"}))
    assert not (await _read(db, case_screen.case_view, identity=reader, interaction_id=w["interaction_id"])).editable
    for identity, category, message in ((reader, "", "grant"), (w["alice"], "Made / Up", "from the list")):
        with pytest.raises(Refused, match=message):
            async with db.transaction() as session:
                await case_screen.save_case(session, identity=identity, interaction_id=w["interaction_id"],
                                            notes="forged", category=category, clock=clock)
    async with db.read() as session:
        case = await session.get(Case, (await session.get(Interaction, w["interaction_id"])).case_id)
    assert (case.notes, case.category) == ("", "")


def _view(version: str = "v1", quantities=(1, 1), status: str = "Open", can_edit: bool = True):
    return order_status.OrderView(1, "SO-1", "", status, "$30.00", "$0.00", "$30.00", version, can_edit=can_edit,
                                  lines=[order_status.Line(7 + n, n + 1, "AB"[n], "AB"[n], "", q, "$10.00", "$10.00",
                                                           status, 1000) for n, q in enumerate(quantities)])


def test_a_draft_read_again_keeps_unsaved_changes_and_says_when_the_order_moved_under_them():
    draft = order_edit.draft_of(_view())
    assert (draft.dirty, draft.stale, draft.total) == (False, False, "$20.00")
    # Nothing unsaved: the draft simply becomes the order as it is now.
    assert order_edit.refreshed(draft, _view("v2", (3, 1))) == order_edit.draft_of(_view("v2", (3, 1)))
    edited = replace(draft, lines=order_edit.with_quantity(draft.lines, 7, "2")[0])
    assert (edited.dirty, edited.total) == (True, "$30.00")
    assert order_edit.refreshed(edited, _view()) == edited  # the same order: nothing to say
    moved = order_edit.refreshed(edited, _view("v2", (3, 1)))
    assert moved.stale and moved.lines == edited.lines and moved.version == "v1"  # kept, and refused on Confirm
    assert order_edit.refreshed(edited, _view(status="Shipped", can_edit=False)).stale
    assert order_edit.refreshed(None, _view()) == draft
    other = replace(_view("v9"), order_id=2)
    assert order_edit.refreshed(edited, other).order_id == 2  # another order's draft is not this one's


async def test_a_case_change_is_heard_on_the_cases_topic(db, clock, world):
    """Notes saved, a message, an interaction joining the case: an open Case screen hears each."""
    w = world
    async with db.read() as session:
        case_id = (await session.get(Interaction, w["interaction_id"])).case_id
    topic = events.case_topic(case_id)
    async with events.collecting() as seen:
        async with db.transaction() as session:
            await case_screen.save_case(session, identity=w["alice"], interaction_id=w["interaction_id"],
                                        notes="Called back", category="", clock=clock)
        async with db.transaction() as session:
            await interactions.add_customer_message(session, interaction_id=w["interaction_id"], body="Hello?",
                                                    clock=clock)
    assert seen.count(topic) == 2
    async with events.collecting() as seen:
        async with db.transaction() as session:  # Ellen texts in: the new interaction joins her open case
            ellen = await session.get(Customer, (await session.get(Case, case_id)).customer_id)
            await interactions.open_interaction(session, organization_id=w["sophias"].id, channel="sms",
                                                clock=clock, customer=ellen, route_now=False)
    assert topic in seen
