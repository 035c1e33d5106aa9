"""Hours of operation: open within the range in the organization's time zone, past midnight too; both empty is
always open; a transfer outside them waits and completes once the organization opens."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services import hours, transfers
from services.errors import Refused
from services.models import Interaction, Organization, Team, TeamMember
from tests.services.factories import make_agent, make_org, new_chat


def _org(opens: str, closes: str, zone: str = "UTC") -> Organization:
    return Organization(slug="x", name="X", chat_identity_secret="s", opens_at=opens, closes_at=closes, timezone=zone)


def _utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, tzinfo=timezone.utc)


def test_open_within_the_range_in_the_organizations_time_zone():
    office = _org("09:00", "17:00", "America/New_York")  # 14:00 to 22:00 UTC in November
    assert [hours.is_open(office, _utc(h)) for h in (13, 14, 21, 22)] == [False, True, True, False]
    night = _org("22:00", "06:00")
    assert [hours.is_open(night, _utc(h)) for h in (21, 22, 3, 6)] == [False, True, True, False]
    assert hours.is_open(_org("", ""), _utc(3))  # always open


@pytest.mark.parametrize("opens, closes, zone, message", [
    ("9", "17:00", "UTC", "Opens at must be a time"), ("09:00", "", "UTC", "both"),
    ("09:00", "09:00", "UTC", "must differ"), ("09:00", "17:00", "Mars/Olympus", "Unknown time zone")])
def test_bad_hours_are_refused_with_what_is_wrong(opens, closes, zone, message):
    with pytest.raises(Refused, match=message):
        hours.parse(opens, closes, zone)


async def test_a_transfer_outside_the_hours_waits_and_completes_once_open(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    chat = await new_chat(db, org, clock)  # the clock starts at 09:00 UTC
    bob = await make_agent(db, "bob", [org])
    async with db.transaction() as session:
        stored = await session.get(Organization, org.id)
        stored.opens_at, stored.closes_at = "10:00", "18:00"
        team = Team(organization_id=org.id, name="Returns")
        session.add_all([stored, team])
        await session.flush()
        session.add(TeamMember(team_id=team.id, user_id=bob.user_id))
    async with db.transaction() as session:
        outcome = await transfers.request_transfer(session, identity=alice, interaction_id=chat.id, team_id=team.id,
                                                   clock=clock)
    assert outcome.awaiting  # bob is Available, but the organization is closed
    assert await transfers.complete_pending(db, clock=clock) == 0
    clock.advance(hours=1)
    assert await transfers.complete_pending(db, clock=clock) == 1
    async with db.read() as session:
        assert (await session.get(Interaction, chat.id)).assignee_id == bob.user_id
