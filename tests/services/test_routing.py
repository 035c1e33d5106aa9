"""Routing rules: availability, organization, capacity, fewest-open choice, tie-breaks, queue and explanations."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from services import presence, routing
from services.models import Interaction, RoutingDecision
from tests.conftest import START
from tests.services.factories import make_agent, make_org, new_chat


async def _get(db, interaction_id) -> Interaction:
    async with db.read() as session:
        return await session.get(Interaction, interaction_id)


async def _explanations(db, interaction_id) -> list[dict]:
    async with db.read() as session:
        rows = (await session.exec(select(RoutingDecision).where(RoutingDecision.interaction_id == interaction_id)
                                   .order_by(RoutingDecision.id))).all()
    return [dict(json.loads(r.explanation), outcome=r.outcome) for r in rows]


def _reasons(explanation: dict) -> dict[str, str]:
    """Who was passed over and why, from the compact explanation; the chosen agent's reason is ""."""
    reasons = {agent["login"]: group["reason"] for group in explanation["passed_over"] for agent in group["agents"]}
    if explanation["chosen"]:
        reasons[explanation["chosen"]["login"]] = ""
    return reasons


async def test_only_an_available_agent_gets_the_interaction(db, clock):
    org = await make_org(db)
    away = await make_agent(db, "away", [org], available=False)
    here = await make_agent(db, "here", [org])
    chat = await new_chat(db, org, clock)
    assert (await _get(db, chat.id)).assignee_id == here.user_id
    reasons = _reasons((await _explanations(db, chat.id))[-1])
    assert reasons["away"] == "Unavailable"
    assert reasons["here"] == ""
    assert away.user_id != here.user_id


async def test_an_agent_of_another_organization_is_never_considered(db, clock):
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    await make_agent(db, "janes-only", [janes])
    chat = await new_chat(db, sophias, clock)
    interaction = await _get(db, chat.id)
    assert interaction.state == "queued" and interaction.assignee_id is None
    explanation = (await _explanations(db, chat.id))[-1]
    assert explanation["considered"] == 0 and explanation["passed_over"] == [] and explanation["chosen"] is None
    assert "No agent serves" in explanation["summary"]


async def test_capacity_on_the_channel_is_respected(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org], capacity=2)
    first, second, third = [await new_chat(db, org, clock, email=f"c{i}@example.com") for i in range(3)]
    assert (await _get(db, first.id)).assignee_id == agent.user_id
    assert (await _get(db, second.id)).assignee_id == agent.user_id
    assert (await _get(db, third.id)).state == "queued"
    group = (await _explanations(db, third.id))[-1]["passed_over"][0]
    assert group == {"reason": "no capacity on chat", "count": 1,
                     "agents": [{"login": "alice", "open": 2, "capacity": 2}]}


async def test_fewest_open_interactions_on_the_channel_wins(db, clock):
    org = await make_org(db)
    busy = await make_agent(db, "busy", [org])
    await new_chat(db, org, clock, email="a@example.com")  # goes to busy (only agent)
    idle = await make_agent(db, "idle", [org], last_assigned_at=START)
    chat = await new_chat(db, org, clock, email="b@example.com")
    assert (await _get(db, chat.id)).assignee_id == idle.user_id
    reasons = _reasons((await _explanations(db, chat.id))[-1])
    assert reasons["busy"] == "more open interactions on chat" and reasons["idle"] == ""
    assert busy.user_id != idle.user_id


async def test_a_tie_goes_to_who_has_waited_longest_since_their_last_assignment(db, clock):
    org = await make_org(db)
    await make_agent(db, "recent", [org], last_assigned_at=START - timedelta(minutes=1))
    waited = await make_agent(db, "waited", [org], last_assigned_at=START - timedelta(hours=1))
    chat = await new_chat(db, org, clock)
    assert (await _get(db, chat.id)).assignee_id == waited.user_id
    explanation = (await _explanations(db, chat.id))[-1]
    assert "longest wait" in explanation["summary"]


async def test_queue_drains_oldest_first_when_an_agent_becomes_available(db, clock):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org], available=False, capacity=2)
    chats = []
    for i in range(3):
        chats.append(await new_chat(db, org, clock, email=f"q{i}@example.com"))
        clock.advance(seconds=10)
    assert [(await _get(db, c.id)).state for c in chats] == ["queued"] * 3
    async with db.transaction() as session:
        await presence.set_available(session, identity=agent, available=True, clock=clock)
    assert await routing.drain_queue(db, clock=clock) == 2
    states = [(await _get(db, c.id)).state for c in chats]
    assert states == ["assigned", "assigned", "queued"]


async def test_a_waiting_interaction_records_its_reasons_once_until_they_change(db, clock):
    org = await make_org(db)
    await make_agent(db, "alice", [org], available=False)
    chat = await new_chat(db, org, clock)
    await routing.drain_queue(db, clock=clock)
    await routing.drain_queue(db, clock=clock)
    decisions = await _explanations(db, chat.id)
    assert [d["outcome"] for d in decisions] == ["queued"]
    assert decisions[0]["summary"] == "No eligible agent; waiting in the organization's queue."


async def test_managers_read_every_decision_and_agents_only_their_own(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    await new_chat(db, org, clock)
    async with db.read() as session:
        everyone = await routing.decisions(session, organization_ids=frozenset({org.id}), user_id=None)
        someone_else = await routing.decisions(session, organization_ids=frozenset({org.id}), user_id=alice.user_id + 99)
        foreign_org = await routing.decisions(session, organization_ids=frozenset({org.id + 99}), user_id=None)
    assert len(everyone) == 1 and everyone[0].chosen_user_id == alice.user_id
    assert someone_else == [] and foreign_org == []


async def test_the_explanation_stays_small_with_hundreds_of_agents(db, clock):
    """300 agents at capacity: each group names at most 10 of them and counts the rest."""
    from services.models import AgentCapacity, Grant, User, UserOrganization

    org = await make_org(db)
    async with db.transaction() as session:
        for n in range(300):
            user = User(user_id=f"full{n}", password_hash="x", available=True)
            session.add(user)
            await session.flush()
            session.add_all([UserOrganization(user_id=user.id, organization_id=org.id),
                             Grant(user_id=user.id, name="inbox"),
                             AgentCapacity(user_id=user.id, channel="chat", capacity=0)])
    chat = await new_chat(db, org, clock)
    async with db.read() as session:
        decision = (await session.exec(select(RoutingDecision).where(RoutingDecision.interaction_id == chat.id))).one()
    explanation = json.loads(decision.explanation)
    assert explanation["considered"] == 300 and explanation["passed_over"][0]["count"] == 300
    assert len(explanation["passed_over"][0]["agents"]) == 10
    assert len(decision.explanation) < 2000  # it was about 66 KB when every candidate was listed


async def test_a_queue_nobody_can_take_is_routed_once_a_pass_and_each_interaction_still_records_its_reasons(
        db, clock, monkeypatch):
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    alice = await make_agent(db, "alice", [sophias], available=False)
    bob = await make_agent(db, "bob", [janes], available=False)
    waiting = []
    for i in range(4):
        waiting.append(await new_chat(db, sophias, clock, email=f"q{i}@example.com"))
        clock.advance(seconds=10)
    janes_chat = await new_chat(db, janes, clock, email="j@example.com")  # younger, in another queue
    async with db.transaction() as session:
        await presence.set_available(session, identity=bob, available=True, clock=clock)
    routed = []
    real_route = routing.route

    async def counted(session, *, interaction_id, clock, pool=None):
        routed.append(interaction_id)
        return await real_route(session, interaction_id=interaction_id, clock=clock, pool=pool)

    monkeypatch.setattr(routing, "route", counted)
    assert await routing.drain_queue(db, clock=clock) == 1
    assert routed == [waiting[0].id, janes_chat.id]  # Sophia's younger three wait behind the oldest
    assert (await _get(db, janes_chat.id)).state == "assigned"  # Jane's queue is its own
    assert [[d["outcome"] for d in await _explanations(db, c.id)] for c in waiting] == [["queued"]] * 4
    await routing.drain_queue(db, clock=clock)
    assert [len(await _explanations(db, c.id)) for c in waiting] == [1] * 4  # reasons unchanged: nothing new
    async with db.transaction() as session:  # Available now, with room for two chats: the reasons change
        await presence.set_available(session, identity=alice, available=True, clock=clock)
    async with db.transaction() as session:
        from services.models import AgentCapacity

        (await session.get(AgentCapacity, (alice.user_id, "chat"))).capacity = 2
    assert await routing.drain_queue(db, clock=clock) == 2
    assert [(await _get(db, c.id)).state for c in waiting] == ["assigned", "assigned", "queued", "queued"]
    later = [(await _explanations(db, c.id))[-1] for c in waiting[2:]]
    assert [d["outcome"] for d in later] == ["queued", "queued"]
    assert all(_reasons(d)["alice"].startswith("no capacity on chat") for d in later)
