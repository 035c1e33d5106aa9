"""The response form shared by the Response Templates popup and the managers' /settings/templates page.

The form's fields are the browser's own (uncontrolled): typing costs no event, and `save` receives them all at
once. `form_key` changes whenever the form is filled anew (New response, Edit, Copy), which remounts it with
the new defaults.
"""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from services import formatting
from services.errors import Refused
from services.templates import store
from services.templates.rows import TemplateRow
from services.templates.store import MAX_BODY, MAX_NAME, TemplateEntry

_NOT_FOUND = "That response was not found."


def entry_from(form_data: dict) -> TemplateEntry:
    """What the browser sent, cut to size; the service decides whether it is valid."""
    def checked(name: str) -> bool:
        return str(form_data.get(name, "")).lower() in ("on", "true", "1")

    return TemplateEntry(name=str(form_data.get("name", ""))[:MAX_NAME * 2],
                         body=str(form_data.get("body", ""))[:MAX_BODY + 100],
                         chat=checked("chat"), text=checked("text"), email=checked("email"),
                         quick_response=checked("quick_response"),
                         display_sequence=str(form_data.get("display_sequence", ""))[:8])


class TemplateForm(rx.State, mixin=True):
    form_open: bool = False
    form_key: int = 0
    form_title: str = ""
    editing_id: int = 0  # 0: a new response
    form_name: str = ""
    form_body: str = ""
    form_chat: bool = True
    form_text: bool = True
    form_email: bool = False
    form_quick: bool = False
    form_sequence: str = ""

    def _fill_form(self, title: str, template: TemplateRow | None = None, *, name: str | None = None,
                   editing: bool = False) -> None:
        self.form_title, self.form_open, self.form_key = title, True, self.form_key + 1
        self.editing_id = template.template_id if (template and editing) else 0
        self.form_name = name if name is not None else (template.name if template else "")
        # The Response box is the formatted editor: a plain template's lines become its line breaks.
        self.form_body = formatting.for_box(template.body, template.body_format, formatted=True) if template else ""
        self.form_chat, self.form_text = (template.chat, template.text) if template else (True, True)
        self.form_email = template.email if template else False
        self.form_quick = template.quick_response if template else False
        self.form_sequence = str(template.display_sequence) if (template and editing) else ""

    @rx.event
    def close_form(self):
        self.form_open, self.editing_id = False, 0

    # Edit, Save and Delete as both the popup and /settings/templates do them; each state adds what is its own.
    # The class using the form holds `organization_id` (where a new one goes), `error` and `saved`.

    async def _editable(self, identity, template_id) -> TemplateRow | None:
        """The template to edit, if this identity may; otherwise None, and the form says so."""
        try:
            async with runtime.db().read() as session:
                template = await store.editable(session, identity=identity, template_id=int(template_id))
        except (Refused, TypeError, ValueError):
            self.error, self.saved = _NOT_FOUND, ""
            return None
        self.error, self.saved = "", ""
        return template

    async def _save_form(self, identity, form_data: dict, *, base: bool = False) -> TemplateRow | None:
        """Create or update from the form; None when refused, with the reason shown and nothing stored."""
        entry = entry_from(form_data)
        try:
            async with runtime.db().transaction() as session:
                if self.editing_id:
                    return await store.update(session, identity=identity, template_id=self.editing_id,
                                              entry=entry, clock=runtime.clock)
                return await store.create(session, identity=identity, entry=entry, clock=runtime.clock,
                                          organization_id=int(self.organization_id or 0), base=base)
        except Refused as refused:
            self.error, self.saved = str(refused), ""
        except ValueError:
            self.error, self.saved = "Choose an organization.", ""
        return None

    async def _delete(self, identity, template_id) -> str | None:
        """The deleted template's name; None when it was not this identity's to delete."""
        try:
            async with runtime.db().transaction() as session:
                name = await store.delete(session, identity=identity, template_id=int(template_id),
                                          clock=runtime.clock)
        except (Refused, TypeError, ValueError):
            self.error, self.saved = _NOT_FOUND, ""
            return None
        self.error, self.saved = "", f"Deleted “{name}”."
        return name
