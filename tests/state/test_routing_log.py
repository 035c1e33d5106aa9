"""The routing log reads the compact explanation: the chosen agent, then each group passed over."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from types import SimpleNamespace

from inbox_app.state.routing_log import _row


def test_a_decision_names_the_chosen_agent_and_counts_the_rest_of_a_group():
    explanation = {"summary": "Assigned to alice.", "channel": "chat", "considered": 14,
                   "chosen": {"login": "alice", "open": 1, "capacity": 5},
                   "passed_over": [{"reason": "Unavailable", "count": 13,
                                    "agents": [{"login": "bob", "open": 0, "capacity": 5}]}]}
    decision = SimpleNamespace(id=7, at=datetime(2026, 11, 25, 9, tzinfo=timezone.utc), interaction_id=3,
                               outcome="assigned", explanation=json.dumps(explanation))
    row = _row(decision)
    assert row.summary == "Assigned to alice."
    assert row.candidates == "chosen: alice (1/5 open); Unavailable: bob (0/5 open) and 12 more"
