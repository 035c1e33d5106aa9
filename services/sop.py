"""SOP: the seconds an agent has to pick up (select) an interaction routed to them, per organization and channel.

When the SOP is reached unselected the interaction bounces (services/bouncing.py). From 15 seconds before the
deadline the agent sees a timer that moves in 5-second steps: 15, 10, 5.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from services.models import Organization

TIMER_FROM_SECONDS = 15
TIMER_STEP_SECONDS = 5
MIN_SOP_SECONDS = 5  # below this no agent could ever pick an interaction up
MAX_SOP_SECONDS = 7 * 24 * 3600


def seconds_for(organization: Organization, channel: str) -> int:
    return getattr(organization, f"sop_{channel}_seconds")


def deadline(organization: Organization, channel: str, assigned_at: datetime) -> datetime:
    return assigned_at + timedelta(seconds=seconds_for(organization, channel))


def timer_seconds(due_at: datetime, now: datetime) -> int | None:
    """What the timer shows: the seconds left rounded up to a 5-second step (15, 10, 5), or None when more than
    15 seconds are left or the deadline has passed. Computed from the stored deadline, so a reload shows the
    same number."""
    left = (due_at - now).total_seconds()
    if left <= 0 or left > TIMER_FROM_SECONDS:
        return None
    return TIMER_STEP_SECONDS * math.ceil(left / TIMER_STEP_SECONDS)


def timer_steps(due_at: datetime) -> list[datetime]:
    """The moments the timer changes: when it appears (15), steps (10, 5), and the deadline itself."""
    return [due_at - timedelta(seconds=s) for s in range(TIMER_FROM_SECONDS, -1, -TIMER_STEP_SECONDS)]
