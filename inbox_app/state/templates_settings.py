"""Managers (grant `manage_templates`) maintain every agent's custom templates and the base templates of their
organizations on /settings/templates."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.bell import BellState
from inbox_app.state.manager_page import ManagerPage
from inbox_app.state.template_form import TemplateForm
from services import managed_organizations
from services.managed_organizations import OrganizationChoice
from services.templates import GRANT, listing
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
        template = await self._editable(identity, template_id)
        if template is not None:
            whose = "base template" if template.base else "response"
            self._fill_form(f"Edit {whose} “{template.name}”", template, editing=True)

    @rx.event
    async def save(self, form_data: dict):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        saved = await self._save_form(identity, form_data, base=True)
        if saved is None:
            return
        self.error, self.saved, self.form_open, self.editing_id = "", f"Saved “{saved.name}”.", False, 0
        await self._refresh(identity)

    @rx.event
    async def delete(self, template_id: int):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        if await self._delete(identity, template_id) is not None:
            await self._refresh(identity)
