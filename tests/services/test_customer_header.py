"""The verified header: profile, metrics, most recent order, quick actions, recommendations, notes, case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from services import cases, chat, customer_header, customer_notes, events, orders
from services.errors import NotFound, Refused
from services.models import (Appeasement, AuditEvent, Interaction, Item, Message, Order, OrderLine,
                             Recommendation)
from tests.services.factories import make_agent, make_customer, make_org


@pytest.fixture
async def verified(db, clock):
    """Ellen, verified at chat start, with an open order of five lines and three recommendations."""
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    ellen = await make_customer(db, org, external_id="ellen-smith")
    async with db.transaction() as session:
        items = [Item(organization_id=org.id, sku=f"S{n}", name=f"Item {n}", image_path=f"/items/{n}.svg",
                      url=f"https://shop.example.com/{n}", price_cents=1000) for n in range(8)]
        session.add_all(items)
        await session.flush()
        old = Order(organization_id=org.id, customer_id=ellen.id, order_number="SO-1", status="Delivered",
                    created_at=clock() - timedelta(days=30), total_cents=1000)
        new = Order(organization_id=org.id, customer_id=ellen.id, order_number="SO-2", status="Open",
                    created_at=clock() - timedelta(days=1), total_cents=5000)
        session.add_all([old, new])
        await session.flush()
        session.add(OrderLine(order_id=old.id, line_no=1, item_id=items[7].id))
        session.add_all(OrderLine(order_id=new.id, line_no=n + 1, item_id=items[n].id) for n in range(5))
        session.add_all(Recommendation(customer_id=ellen.id, item_id=items[5 + n].id, rank=n + 1) for n in range(3))
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock,
                                        customer=ellen)
    return dict(org=org, agent=agent, ellen=ellen, interaction_id=started.interaction_id, old=old, new=new)


async def _header(db, v):
    async with db.read() as session:
        return await customer_header.header(session, identity=v["agent"], interaction_id=v["interaction_id"])


async def test_the_header_shows_the_most_recent_order_three_images_plus_the_rest(db, clock, verified):
    h = await _header(db, verified)
    assert (h.profile.name, h.order.order_number, h.order.status) == ("Ellen Smith", "SO-2", "Open")
    assert len(h.order_images) == 3 and h.order.more_items == 2
    assert [r.url for r in h.recommendations] == [f"https://shop.example.com/{n}" for n in (5, 6, 7)]
    assert (h.order.can_cancel, h.order.can_return, h.order.can_appease) == (True, False, True)
    assert (h.metrics.orders, h.metrics.lifetime_value, h.metrics.average_csat) == (2, "$60.00", "")


async def test_average_csat_comes_from_chat_ratings(db, clock, verified):
    assert (await _header(db, verified)).metrics.ratings == 0
    async with db.transaction() as session:
        again = await chat.start_chat(session, organization=verified["org"], secret_key="k", clock=clock,
                                      customer=verified["ellen"])
    for interaction_id, score in ((verified["interaction_id"], 5), (again.interaction_id, 4)):
        async with db.transaction() as session:
            interaction = await session.get(Interaction, interaction_id)
            await chat.end_chat(session, interaction=interaction, clock=clock)
            await chat.rate_chat(session, interaction=interaction, score=score, clock=clock)
    h = await _header(db, verified)
    assert (h.metrics.average_csat, h.metrics.ratings) == ("4.5", 2)


async def _act(db, v, fn, clock, **kw):
    async with db.transaction() as session:
        return await fn(session, identity=v["agent"], interaction_id=v["interaction_id"], clock=clock, **kw)


async def test_cancel_changes_the_order_audits_and_leaves_a_system_message(db, clock, verified):
    async with events.collecting() as published:
        await _act(db, verified, orders.cancel_order, clock, order_id=verified["new"].id)
    assert events.customer_topic(verified["ellen"].id) in published  # open headers refresh
    async with db.read() as session:
        order = await session.get(Order, verified["new"].id)
        audit = (await session.exec(select(AuditEvent).where(AuditEvent.kind == "order.cancelled"))).one()
        notes = (await session.exec(select(Message).where(Message.author == "system"))).all()
    assert order.status == "Cancelled" and audit.actor_user_id == verified["agent"].user_id
    assert any("SO-2 has been cancelled" in m.body for m in notes)
    h = await _header(db, verified)
    assert not h.order.can_cancel
    with pytest.raises(Refused, match="has not shipped"):
        await _act(db, verified, orders.cancel_order, clock, order_id=verified["new"].id)


async def test_return_only_after_delivery(db, clock, verified):
    with pytest.raises(Refused, match="after delivery"):
        await _act(db, verified, orders.return_order, clock, order_id=verified["new"].id)
    await _act(db, verified, orders.return_order, clock, order_id=verified["old"].id)
    async with db.read() as session:
        assert (await session.get(Order, verified["old"].id)).status == "Return Initiated"


async def test_appeasement_needs_a_reason_and_stays_within_the_organizations_limit(db, clock, verified):
    order_id = verified["new"].id  # total $50.00; the organization's limit is $50.00
    with pytest.raises(Refused, match="reason"):
        await _act(db, verified, orders.appease, clock, order_id=order_id, amount="10", reason="")
    with pytest.raises(Refused, match="number"):
        await _act(db, verified, orders.appease, clock, order_id=order_id, amount="ten", reason="Late delivery")
    with pytest.raises(Refused, match="two decimals"):
        await _act(db, verified, orders.appease, clock, order_id=order_id, amount="1.005", reason="Late delivery")
    await _act(db, verified, orders.appease, clock, order_id=order_id, amount="$30.00", reason="Late delivery")
    with pytest.raises(Refused, match=r"At most \$20.00"):
        await _act(db, verified, orders.appease, clock, order_id=order_id, amount="20.01", reason="Damaged item")
    async with db.read() as session:
        assert (await session.get(Order, order_id)).appeased_cents == 3000
        assert len((await session.exec(select(Appeasement))).all()) == 1


async def test_quick_actions_check_grants_and_ownership_on_the_server(db, clock, verified):
    clerk = await make_agent(db, "carl", [verified["org"]])
    async with db.transaction() as session:
        from services.models import Grant

        grant = await session.get(Grant, (verified["agent"].user_id, "cancel"))
        await session.delete(grant)
    from services.auth import identity_for_user

    async with db.read() as session:
        no_cancel = await identity_for_user(session, user_id=verified["agent"].user_id)
    async with db.transaction() as session:
        with pytest.raises(Refused, match="grant"):
            await orders.cancel_order(session, identity=no_cancel, interaction_id=verified["interaction_id"],
                                      order_id=verified["new"].id, clock=clock)
        with pytest.raises(NotFound):
            await orders.cancel_order(session, identity=clerk, interaction_id=verified["interaction_id"],
                                      order_id=verified["new"].id, clock=clock)
    other = await make_customer(db, verified["org"], first="Other", external_id="other")
    async with db.transaction() as session:
        foreign = Order(organization_id=verified["org"].id, customer_id=other.id, order_number="SO-9",
                        created_at=clock(), total_cents=100)
        session.add(foreign)
    with pytest.raises(NotFound):
        await _act(db, verified, orders.appease, clock, order_id=foreign.id, amount="1", reason="Late delivery")


async def test_customer_notes_are_added_and_listed_newest_first(db, clock, verified):
    await _act(db, verified, customer_notes.add_customer_note, clock, body="Prefers email.")
    clock.advance(seconds=5)
    await _act(db, verified, customer_notes.add_customer_note, clock, body="VIP since 2024.")
    with pytest.raises(Refused, match="Write the note"):
        await _act(db, verified, customer_notes.add_customer_note, clock, body="   ")
    async with db.read() as session:
        notes = await customer_notes.customer_notes(session, identity=verified["agent"],
                                                    interaction_id=verified["interaction_id"])
    assert [n.body for n in notes] == ["VIP since 2024.", "Prefers email."]


async def test_case_notes_persist_and_are_what_wrap_up_shows(db, clock, verified):
    await _act(db, verified, cases.save_case_notes, clock, notes="Customer wants a callback.")
    async with db.read() as session:
        details = await cases.case_details(session, identity=verified["agent"],
                                           interaction_id=verified["interaction_id"])
        interaction = await session.get(Interaction, verified["interaction_id"])
        from services.models import Case

        case = await session.get(Case, interaction.case_id)
    assert details.notes == case.notes == "Customer wants a callback." and details.editable


async def test_a_second_chat_for_the_same_customer_joins_the_open_case(db, clock, verified):
    async with db.transaction() as session:
        again = await chat.start_chat(session, organization=verified["org"], secret_key="k", clock=clock,
                                      customer=verified["ellen"])
    async with db.read() as session:
        interaction = await session.get(Interaction, again.interaction_id)
        details = await cases.case_details(session, identity=verified["agent"], interaction_id=interaction.id)
    assert interaction.joined_open_case and details.joined_open_case and details.interactions == 2
