"""Bouncing with the injected clock: the SOP deadline, the 15/10/5 timer, who gets a bounced interaction and
when nothing bounces. The PostgreSQL race and the two-loop tests are in test_bouncing_concurrency.py."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from services import bouncing, interactions, presence, sop, transfers
from services.handoff_loop import run_pass
from services.models import Bounce, Interaction, Message, Organization, Team, TeamMember
from tests.conftest import START
from tests.services.factories import make_agent, make_org, new_chat


async def _get(db, interaction_id) -> Interaction:
    async with db.read() as session:
        return await session.get(Interaction, interaction_id)


async def _sop(db, org, seconds: int) -> None:
    async with db.transaction() as session:
        row = await session.get(Organization, org.id)
        row.sop_chat_seconds = seconds
        session.add(row)


async def _two_agents(db):
    """alice is chosen first (waited longest); bob is the other eligible agent."""
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    bob = await make_agent(db, "bob", [org], last_assigned_at=START - timedelta(minutes=1))
    return org, alice, bob


def test_the_timer_shows_15_10_5_from_the_stored_deadline():
    due = START + timedelta(seconds=60)
    at = lambda seconds_left: sop.timer_seconds(due, due - timedelta(seconds=seconds_left))  # noqa: E731
    assert at(16) is None and at(15.5) is None  # not yet
    assert [at(15), at(12), at(10.01)] == [15, 15, 15]
    assert [at(10), at(7), at(5.5)] == [10, 10, 10]
    assert [at(5), at(0.2)] == [5, 5]
    assert at(0) is None and at(-1) is None  # the deadline has passed: it bounces


async def test_assignment_arms_the_deadline_from_the_organizations_sop(db, clock):
    org, alice, _ = await _two_agents(db)
    await _sop(db, org, 30)
    chat = await new_chat(db, org, clock)
    stored = await _get(db, chat.id)
    assert stored.assignee_id == alice.user_id
    assert stored.bounce_due_at == START + timedelta(seconds=30)


async def test_timers_show_only_within_15_seconds_and_step_every_5(db, clock):
    org, alice, _ = await _two_agents(db)
    chat = await new_chat(db, org, clock)  # SOP 60 s
    async with db.read() as session:
        assert await bouncing.timers(session, identity=alice, clock=clock) == {}
        clock.advance(seconds=45)
        assert await bouncing.timers(session, identity=alice, clock=clock) == {str(chat.id): 15}
        clock.advance(seconds=5)
        assert await bouncing.timers(session, identity=alice, clock=clock) == {str(chat.id): 10}
        clock.advance(seconds=6)
        assert await bouncing.timers(session, identity=alice, clock=clock) == {str(chat.id): 5}


async def test_the_loop_ticks_the_agent_at_each_step_and_sleeps_until_the_next(db, clock):
    org, alice, _ = await _two_agents(db)
    await new_chat(db, org, clock)
    ticks: list[set[str]] = []

    async def tick(topics):
        ticks.append(topics)

    since = clock()
    clock.advance(seconds=44)
    since, wait = await run_pass(db, clock=clock, since=since, tick=tick, interval=5)
    assert ticks == [] and wait == 1  # the timer appears at 45 s
    clock.advance(seconds=1)
    since, wait = await run_pass(db, clock=clock, since=since, tick=tick, interval=5)
    assert ticks == [{f"bounce-timer:{alice.user_id}"}] and wait == 5
    clock.advance(seconds=5)
    await run_pass(db, clock=clock, since=since, tick=tick, interval=5)
    assert len(ticks) == 2


async def test_a_passed_deadline_bounces_to_another_agent_with_a_note_naming_the_first(db, clock):
    org, alice, bob = await _two_agents(db)
    chat = await new_chat(db, org, clock)
    clock.advance(seconds=59)
    assert await bouncing.bounce_due(db, clock=clock) == 0  # one second left
    clock.advance(seconds=1)
    assert await bouncing.bounce_due(db, clock=clock) == 1
    moved = await _get(db, chat.id)
    assert moved.assignee_id == bob.user_id and moved.arrived_by == "bounce" and moved.selected_at is None
    assert moved.bounce_due_at == clock() + timedelta(seconds=60)  # a new SOP for bob
    async with db.read() as session:
        notes = (await session.exec(select(Message.body).where(Message.interaction_id == chat.id,
                                                                Message.author == "system"))).all()
        bobs = await interactions.panel(session, identity=bob, tab="active", clock=clock)
        alices = await interactions.panel(session, identity=alice, tab="active", clock=clock)
    assert any("bounced" in n and "Alice" in n for n in notes), notes
    assert [(r.transferred, r.unread, r.inactive) for r in bobs] == [(True, True, False)]
    assert [(r.interaction_id, r.inactive, r.unread, r.transferred) for r in alices] == [(chat.id, True, False, False)]
    assert await bouncing.bounce_due(db, clock=clock) == 0  # once per deadline


async def test_a_bounced_interaction_goes_back_to_the_same_agent_only_when_no_one_else_qualifies(db, clock):
    org, alice, bob = await _two_agents(db)
    async with db.transaction() as session:
        await presence.set_available(session, identity=bob, available=False, clock=clock)
    chat = await new_chat(db, org, clock)
    clock.advance(seconds=60)
    assert await bouncing.bounce_due(db, clock=clock) == 1
    assert (await _get(db, chat.id)).assignee_id == alice.user_id
    async with db.read() as session:
        alices = await interactions.panel(session, identity=alice, tab="active", clock=clock)
    assert [(r.inactive, r.transferred) for r in alices] == [(False, True)]  # active again, not shown twice
    async with db.read() as session:
        notes = (await session.exec(select(Message.body).where(Message.interaction_id == chat.id))).all()
    assert any("no one else could take it" in n for n in notes), notes


async def test_with_no_one_eligible_a_bounced_interaction_waits_in_the_queue(db, clock):
    org, alice, bob = await _two_agents(db)
    chat = await new_chat(db, org, clock)
    async with db.transaction() as session:
        for agent in (alice, bob):
            await presence.set_available(session, identity=agent, available=False, clock=clock)
    clock.advance(seconds=60)
    assert await bouncing.bounce_due(db, clock=clock) == 1
    stored = await _get(db, chat.id)
    assert (stored.state, stored.assignee_id, stored.bounce_due_at) == ("queued", None, None)


async def test_no_bounce_once_the_agent_has_selected_it(db, clock):
    org, alice, _ = await _two_agents(db)
    chat = await new_chat(db, org, clock)
    clock.advance(seconds=59)
    async with db.transaction() as session:
        await interactions.select_interaction(session, identity=alice, interaction_id=chat.id, clock=clock)
    clock.advance(seconds=600)
    assert await bouncing.bounce_due(db, clock=clock) == 0
    assert (await _get(db, chat.id)).assignee_id == alice.user_id
    async with db.read() as session:
        assert await bouncing.timers(session, identity=alice, clock=clock) == {}


async def test_no_bounce_while_a_transfer_is_pending(db, clock):
    org, alice, _ = await _two_agents(db)
    async with db.transaction() as session:
        team = Team(organization_id=org.id, name="Escalations")  # no members: the transfer waits
        session.add(team)
    chat = await new_chat(db, org, clock)
    async with db.transaction() as session:
        outcome = await transfers.request_transfer(session, identity=alice, interaction_id=chat.id, team_id=team.id,
                                                   clock=clock)
    assert outcome.awaiting
    clock.advance(seconds=600)
    assert await bouncing.bounce_due(db, clock=clock) == 0
    assert (await _get(db, chat.id)).assignee_id == alice.user_id
    async with db.read() as session:
        assert (await session.exec(select(Bounce))).all() == []


async def test_selecting_after_the_bounce_shows_it_read_only(db, clock):
    org, alice, bob = await _two_agents(db)
    chat = await new_chat(db, org, clock)
    clock.advance(seconds=60)
    await bouncing.bounce_due(db, clock=clock)
    async with db.transaction() as session:
        seen = await interactions.select_interaction(session, identity=alice, interaction_id=chat.id, clock=clock)
    assert seen.id == chat.id and (await _get(db, chat.id)).selected_at is None  # bob's red dot stays
    async with db.transaction() as session:
        try:
            await interactions.send_agent_message(session, identity=alice, interaction_id=chat.id, body="hi",
                                                   clock=clock)
        except interactions.NotFound:
            pass
        else:
            raise AssertionError("the agent it bounced from could still write")


async def test_no_bounce_while_another_interaction_of_its_case_awaits_a_transfer(db, clock):
    org, alice, _ = await _two_agents(db)
    async with db.transaction() as session:
        team = Team(organization_id=org.id, name="Escalations")
        session.add(team)
    first = await new_chat(db, org, clock)
    async with db.transaction() as session:
        await interactions.select_interaction(session, identity=alice, interaction_id=first.id, clock=clock)
        await transfers.request_transfer(session, identity=alice, interaction_id=first.id, team_id=team.id,
                                         clock=clock)
    second = await new_chat(db, org, clock)  # the same customer's contact: it joins the open case
    assert second.case_id == first.case_id
    clock.advance(seconds=600)
    assert await bouncing.bounce_due(db, clock=clock) == 0
    assert (await _get(db, second.id)).bounce_due_at is None  # disarmed, not left to fire later


async def test_a_pass_that_dies_midway_loses_no_deadline(db, clock, monkeypatch):
    """As a worker killed midway: its transaction never commits, and the next loop bounces the interaction."""
    from services import routing

    org, alice, bob = await _two_agents(db)
    chat = await new_chat(db, org, clock)
    clock.advance(seconds=60)
    real_place = routing.place

    async def dies(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(routing, "place", dies)
    try:
        await bouncing.bounce_due(db, clock=clock)
    except RuntimeError:
        pass
    stored = await _get(db, chat.id)
    assert (stored.assignee_id, stored.bounce_due_at) == (alice.user_id, START + timedelta(seconds=60))
    monkeypatch.setattr(routing, "place", real_place)
    assert await bouncing.bounce_due(db, clock=clock) == 1
    assert (await _get(db, chat.id)).assignee_id == bob.user_id
