"""Managers maintain the wrap-up lists of their own organizations; agents and foreign ids are refused."""

from __future__ import annotations

import dataclasses

import pytest

from services import interactions, wrap_up_categories
from services.errors import NotFound, Refused
from tests.services.factories import make_agent, make_org


async def _manager(db, orgs):
    agent = await make_agent(db, "maria", orgs)
    return dataclasses.replace(agent, grants=agent.grants | {"manage_wrap_up"})


async def test_a_manager_adds_and_removes_pairs_the_wrap_up_popup_offers(db, clock):
    org = await make_org(db)
    maria = await _manager(db, [org])
    async with db.transaction() as session:
        await wrap_up_categories.add(session, identity=maria, organization_id=org.id, category=" Billing ",
                                     subcategory="Refund  status", clock=clock)
    async with db.read() as session:
        assert (await interactions.wrap_up_categories(session, organization_id=org.id))["Billing"] == ["Refund status"]
        rows = await wrap_up_categories.listing(session, identity=maria)
    with pytest.raises(Refused, match="already in the list"):
        async with db.transaction() as session:
            await wrap_up_categories.add(session, identity=maria, organization_id=org.id, category="Billing",
                                         subcategory="Refund status", clock=clock)
    billing = next(r for r in rows if r.category == "Billing")
    async with db.transaction() as session:
        await wrap_up_categories.remove(session, identity=maria, category_id=billing.category_id, clock=clock)
    async with db.read() as session:
        assert "Billing" not in await interactions.wrap_up_categories(session, organization_id=org.id)


async def test_agents_and_other_organizations_are_refused(db, clock):
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    agent = await make_agent(db, "alice", [sophias])
    maria = await _manager(db, [sophias])
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await wrap_up_categories.add(session, identity=agent, organization_id=sophias.id, category="X",
                                         subcategory="Y", clock=clock)
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await wrap_up_categories.add(session, identity=maria, organization_id=janes.id, category="X",
                                         subcategory="Y", clock=clock)
    async with db.read() as session:
        janes_rows = await wrap_up_categories.listing(session, identity=dataclasses.replace(maria, organization_ids=frozenset({janes.id})))
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await wrap_up_categories.remove(session, identity=maria, category_id=janes_rows[0].category_id, clock=clock)
    async with db.read() as session:
        assert await wrap_up_categories.listing(session, identity=agent) == []
        assert "Order" in await interactions.wrap_up_categories(session, organization_id=janes.id)


async def test_a_manager_describes_a_pair_for_the_classifier(db, clock):
    from sqlmodel import select

    from services.auth import MANAGER_GRANTS, identity_for_user
    from services.models import Grant, User, UserOrganization, WrapUpCategory

    org = await make_org(db)
    async with db.transaction() as session:
        user = User(user_id="maria", password_hash="x", role="manager")
        session.add(user)
        await session.flush()
        session.add(UserOrganization(user_id=user.id, organization_id=org.id))
        session.add_all([Grant(user_id=user.id, name=g) for g in MANAGER_GRANTS])
    async with db.read() as session:
        maria = await identity_for_user(session, user_id=user.id)
        pair = (await session.exec(select(WrapUpCategory))).one()
    async with db.transaction() as session:
        await wrap_up_categories.describe(session, identity=maria, category_id=pair.id, description=" Sending  back ",
                                          examples="I want to return it\n\n  Refund please \n", clock=clock)
    async with db.read() as session:
        [row] = await wrap_up_categories.listing(session, identity=maria)
    assert (row.description, row.examples) == ("Sending back", "I want to return it\nRefund please")
    agent = await make_agent(db, "alice", [org])
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await wrap_up_categories.describe(session, identity=agent, category_id=pair.id, description="x",
                                              examples="", clock=clock)
