"""Managers (grant `manage_templates`) maintain every agent's custom templates and the base templates of their
organizations on /settings/templates."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.bell import BellState
from inbox_app.state.manager_page import ManagerPage
from inbox_app.state.template_form import TemplateForm, entry_from
from services import managed_organizations
from services.errors import Refused
from services.managed_organizations import OrganizationChoice
from services.templates import GRANT, listing, store
from services.templates.rows import TemplateRow


class TemplatesSettingsState(TemplateForm, ManagerPage, BellState):
    rows: list[TemplateRow] = []
    organizations: list[OrganizationChoice] = []
    organization_id: str = ""  # where a new base template goes

    async def _refresh(self, identity) -> None:
        async with runtime.db().read() as session:
            self.organizations = await managed_organizations.organizations(session, identity=identity, grant=GRANT)
            self.rows = await listing.every_template(session, identity=identity)
        self.allowed = identity.can(GRANT)
        ids = [str(o.organization_id) for o in self.organizations]
        if self.organization_id not in ids:
            self.organization_id = ids[0] if ids else ""

    @rx.event
    def set_organization_id(self, value: str):
        if str(value) in [str(o.organization_id) for o in self.organizations]:
            self.organization_id = str(value)

    @rx.event
    def new_base_template(self):
        self.error, self.saved = "", ""
        self._fill_form("New base template")

    @rx.event
    async def edit(self, template_id: int):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().read() as session:
                template = await store.editable(session, identity=identity, template_id=int(template_id))
        except (Refused, TypeError, ValueError):
            self.error, self.saved = "That response was not found.", ""
            return
        self.error, self.saved = "", ""
        whose = "base template" if template.base else "response"
        self._fill_form(f"Edit {whose} “{template.name}”", template, editing=True)

    @rx.event
    async def save(self, form_data: dict):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        entry = entry_from(form_data)
        try:
            async with runtime.db().transaction() as session:
                if self.editing_id:
                    saved = await store.update(session, identity=identity, template_id=self.editing_id,
                                               entry=entry, clock=runtime.clock)
                else:
                    saved = await store.create(session, identity=identity, entry=entry, clock=runtime.clock,
                                               organization_id=int(self.organization_id or 0), base=True)
        except (Refused, ValueError) as refused:
            self.error, self.saved = (str(refused) if isinstance(refused, Refused) else "Choose an organization."), ""
            return
        self.error, self.saved, self.form_open, self.editing_id = "", f"Saved “{saved.name}”.", False, 0
        await self._refresh(identity)

    @rx.event
    async def delete(self, template_id: int):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                name = await store.delete(session, identity=identity, template_id=int(template_id),
                                          clock=runtime.clock)
        except (Refused, TypeError, ValueError):
            self.error, self.saved = "That response was not found.", ""
            return
        self.error, self.saved = "", f"Deleted “{name}”."
        await self._refresh(identity)
