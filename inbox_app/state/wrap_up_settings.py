"""Managers maintain each organization's wrap-up Category / Subcategory list."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.bell import BellState
from inbox_app.state.manager_page import ManagerPage
from services import wrap_up_categories
from services.errors import Refused
from services.wrap_up_categories import CategoryRow, OrganizationChoice


class WrapUpSettingsState(ManagerPage, BellState):
    rows: list[CategoryRow] = []
    organizations: list[OrganizationChoice] = []
    organization_id: str = ""
    editing_id: int = 0  # the pair whose description and examples are being edited; 0: none
    edit_title: str = ""
    edit_description: str = ""
    edit_examples: str = ""

    async def _refresh(self, identity) -> None:
        async with runtime.db().read() as session:
            self.organizations = await wrap_up_categories.organizations(session, identity=identity)
            self.rows = await wrap_up_categories.listing(session, identity=identity)
        self.allowed = identity.can(wrap_up_categories.GRANT)
        ids = [str(o.organization_id) for o in self.organizations]
        if self.organization_id not in ids:
            self.organization_id = ids[0] if ids else ""

    @rx.event
    def set_organization_id(self, value: str):
        self.organization_id = str(value)

    @rx.event
    async def add(self, form_data: dict):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        category, subcategory = str(form_data.get("category", "")), str(form_data.get("subcategory", ""))
        try:
            organization_id = int(self.organization_id)
            async with runtime.db().transaction() as session:
                await wrap_up_categories.add(session, identity=identity, organization_id=organization_id,
                                             category=category, subcategory=subcategory, clock=runtime.clock)
        except ValueError:
            self.error, self.saved = "Choose an organization.", ""
            return
        except Refused as refused:
            self.error, self.saved = str(refused), ""
            return
        self.error, self.saved = "", f"Added {' '.join(category.split())} / {' '.join(subcategory.split())}."
        await self._refresh(identity)

    @rx.event
    def start_describe(self, category_id: int):
        row = next((r for r in self.rows if r.category_id == category_id), None)
        if row is not None:
            self.editing_id, self.edit_title = row.category_id, f"{row.category} / {row.subcategory}"
            self.edit_description, self.edit_examples = row.description, row.examples

    @rx.event
    def set_describing(self, value: bool):
        if not value:
            self.editing_id = 0

    @rx.event
    def set_edit_description(self, value: str):
        self.edit_description = value[:1000]

    @rx.event
    def set_edit_examples(self, value: str):
        self.edit_examples = value[:4000]

    @rx.event
    async def save_describe(self):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await wrap_up_categories.describe(session, identity=identity, category_id=self.editing_id,
                                                  description=self.edit_description, examples=self.edit_examples,
                                                  clock=runtime.clock)
        except Refused as refused:
            self.error = str(refused)
            return
        self.error, self.saved, self.editing_id = "", f"Saved {self.edit_title}.", 0
        await self._refresh(identity)

    @rx.event
    async def remove(self, category_id: int):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await wrap_up_categories.remove(session, identity=identity, category_id=int(category_id),
                                                clock=runtime.clock)
        except (Refused, TypeError, ValueError) as refused:
            self.error = str(refused) if isinstance(refused, Refused) else "That category was not found."
            return
        self.error, self.saved = "", "Removed."
        await self._refresh(identity)
