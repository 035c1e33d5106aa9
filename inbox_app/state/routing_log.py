"""Routing explanations: managers read every decision in their organizations; an agent reads their own."""

from __future__ import annotations

import json
from dataclasses import dataclass

import reflex as rx

from inbox_app import runtime
from inbox_app.state.bell import BellState
from services import routing


@dataclass(frozen=True)
class DecisionRow:
    key: str
    at_iso: str
    interaction_id: int
    outcome: str
    summary: str
    candidates: str


def _agents(group: dict) -> str:
    named = ", ".join(f"{a['login']} ({a['open']}/{a['capacity']} open)" for a in group["agents"])
    more = group["count"] - len(group["agents"])
    return named + (f" and {more} more" if more > 0 else "")


def _row(decision) -> DecisionRow:
    explanation = json.loads(decision.explanation)
    chosen = explanation.get("chosen")
    parts = [f"chosen: {_agents({'agents': [chosen], 'count': 1})}"] if chosen else []
    parts += [f"{group['reason']}: {_agents(group)}" for group in explanation.get("passed_over", [])]
    candidates = "; ".join(parts)
    return DecisionRow(key=str(decision.id), at_iso=decision.at.isoformat(), interaction_id=decision.interaction_id,
                       outcome=decision.outcome, summary=explanation.get("summary", ""),
                       candidates=candidates or "no candidates")


class RoutingLogState(BellState):
    decisions: list[DecisionRow] = []
    scope: str = ""

    @rx.event
    async def load(self):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        everyone = identity.can("routing_explanations")
        self.scope = "All agents in your organizations" if everyone else "Interactions routed to you"
        async with runtime.db().read() as session:
            rows = await routing.decisions(session, organization_ids=identity.organization_ids,
                                           user_id=None if everyone else identity.user_id)
        self.decisions = [_row(d) for d in rows]
