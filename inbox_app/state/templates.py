"""The Response Templates popup (the gear in the Interaction Panel): the agent's own responses, per organization,
and the organization's base templates, read-only, to copy from.

Every handler reads the agent from the server-side session; ids that arrive are checked by the service, which
answers NotFound for another agent's template, another organization's, or a base template (agents only read
those). A popup state beside the inbox, not a subclass of it (inbox_dialog.py).
"""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox_dialog import InboxDialog
from inbox_app.state.quick_responses import QuickResponsesState
from inbox_app.state.template_form import TemplateForm
from services import interactions
from services.errors import Refused
from services.managed_organizations import OrganizationChoice
from services.templates import listing, store, variables
from services.templates.rows import TemplateRow


class TemplatesState(TemplateForm, InboxDialog):
    open: bool = False
    tab: str = "mine"  # mine | base
    organizations: list[OrganizationChoice] = []
    organization_id: str = ""
    mine: list[TemplateRow] = []
    base: list[TemplateRow] = []
    error: str = ""
    saved: str = ""

    async def _refresh(self, identity) -> None:
        organization_id = int(self.organization_id or 0)
        async with runtime.db().read() as session:
            self.mine = await listing.my_responses(session, identity=identity, organization_id=organization_id)
            self.base = await listing.base_templates(session, identity=identity, organization_id=organization_id)

    async def _selected_organization(self, identity) -> str:
        """The selected interaction's organization: the popup opens on the templates the agent is about to use."""
        _, inbox = await self._acting()
        if not inbox.selected_id:
            return ""
        try:
            async with runtime.db().read() as session:
                interaction = await interactions.viewable_interaction(session, identity=identity,
                                                                      interaction_id=inbox.selected_id)
        except Refused:
            return ""
        return str(interaction.organization_id)

    @rx.event
    async def open_templates(self):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        async with runtime.db().read() as session:
            self.organizations = await listing.organizations(session, identity=identity)
        ids = [str(o.organization_id) for o in self.organizations]
        chosen = await self._selected_organization(identity)
        self.organization_id = chosen if chosen in ids else (ids[0] if ids else "")
        self.tab, self.error, self.saved, self.form_open = "mine", "", "", False
        await self._refresh(identity)
        self.open = True

    @rx.event
    def set_open(self, value: bool):
        self.open = bool(value) and self.open

    @rx.event
    def set_tab(self, value: str):
        if value in ("mine", "base"):
            self.tab = value

    @rx.event
    async def set_organization_id(self, value: str):
        """Only an organization the server listed for this agent can be chosen."""
        identity = await self._identity()
        if identity is None or str(value) not in [str(o.organization_id) for o in self.organizations]:
            return
        self.organization_id, self.form_open, self.error, self.saved = str(value), False, "", ""
        await self._refresh(identity)

    @rx.event
    def new_response(self):
        self.error, self.saved, self.tab = "", "", "mine"
        self._fill_form("New response")

    @rx.event
    def copy_base(self, template_id: int):
        """A new response starting from a base template the popup lists (taken from server-side vars)."""
        template = next((t for t in self.base if t.template_id == template_id), None)
        if template is None:
            return
        self.error, self.saved, self.tab = "", "", "mine"
        self._fill_form("New response from “" + template.name + "”", template,
                        name=f"{template.name} (my copy)"[:store.MAX_NAME])

    @rx.event
    async def edit(self, template_id: int):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        template = await self._editable(identity, template_id)
        if template is not None:
            self._fill_form("Edit “" + template.name + "”", template, editing=True)

    @rx.event
    async def save(self, form_data: dict):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        saved = await self._save_form(identity, form_data)
        if saved is None:
            return
        unknown = variables.unknown(saved.body)
        self.error, self.form_open, self.editing_id = "", False, 0
        self.saved = f"Saved “{saved.name}”." + (f" {', '.join(unknown)} will be left as typed: only "
                                                  "{customer_first_name}, {agent_first_name} and {organization} "
                                                  "are filled in." if unknown else "")
        await self._refresh(identity)
        return QuickResponsesState.load  # the chips under the message box show the change

    @rx.event
    async def delete(self, template_id: int):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        if await self._delete(identity, template_id) is None:
            return
        if self.editing_id == int(template_id):
            self.form_open, self.editing_id = False, 0
        await self._refresh(identity)
        return QuickResponsesState.load
