"""The Wrap Up popup: category, subcategory, notes and Follow Up Required (unchecked by default). When the case
has no category yet and the chatbot classifier is confident, its Category / Subcategory come pre-selected and
marked Suggested; the agent may change them."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox_dialog import InboxDialog
from services import interactions
from services.chatbot import suggestion
from services.errors import Refused
from services.models import Case


class WrapUpState(InboxDialog):
    open: bool = False
    categories: dict[str, list[str]] = {}
    category: str = ""
    subcategory: str = ""
    notes: str = ""
    follow_up: bool = False
    error: str = ""
    suggested: bool = False  # the shown Category / Subcategory are the classifier's, untouched by the agent

    @rx.var
    def category_names(self) -> list[str]:
        return list(self.categories)

    @rx.var
    def subcategory_names(self) -> list[str]:
        return self.categories.get(self.category, [])

    @rx.event
    async def start(self):
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id:
            return
        try:
            async with runtime.db().read() as session:
                interaction = await interactions.assigned_interaction(session, identity=identity,
                                                                      interaction_id=inbox.selected_id)
                self.categories = await interactions.wrap_up_categories(
                    session, organization_id=interaction.organization_id)
                case = await session.get(Case, interaction.case_id)
                guess = None if case.category else await suggestion.suggest(session, interaction=interaction)
        except Refused as refused:
            inbox.notice = str(refused)
            return
        self.category, self.subcategory, self.suggested = case.category, case.subcategory, False
        if guess and guess.subcategory in self.categories.get(guess.category, []):  # never over a set category
            self.category, self.subcategory, self.suggested = guess.category, guess.subcategory, True
        self.notes, self.follow_up, self.error = case.notes, False, ""
        self.open = True

    @rx.event
    def set_open(self, value: bool):
        self.open = bool(value)

    @rx.event
    def set_category(self, value: str):
        self.category, self.subcategory, self.suggested = value, "", False

    @rx.event
    def set_subcategory(self, value: str):
        self.subcategory, self.suggested = value, False

    @rx.event
    def set_notes(self, value: str):
        self.notes = value[:10000]

    @rx.event
    def set_follow_up(self, value: bool):
        self.follow_up = bool(value)

    @rx.event
    async def submit(self):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await interactions.wrap_up(session, identity=identity, interaction_id=inbox.selected_id,
                                           category=self.category, subcategory=self.subcategory,
                                           notes=self.notes, follow_up=self.follow_up, clock=runtime.clock)
        except Refused as refused:
            self.error = str(refused)
            return
        self.open, self.error = False, ""
        inbox._clear_selection()
        await inbox._reload(identity)  # the wrap-up's commit wakes the routing loop (events.QUEUE_MOVED)
