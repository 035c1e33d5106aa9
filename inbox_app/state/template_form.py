"""The response form shared by the Response Templates popup and the managers' /settings/templates page.

The form's fields are the browser's own (uncontrolled): typing costs no event, and `save` receives them all at
once. `form_key` changes whenever the form is filled anew (New response, Edit, Copy), which remounts it with
the new defaults.
"""

from __future__ import annotations

import reflex as rx

from services.templates.rows import TemplateRow
from services.templates.store import MAX_BODY, MAX_NAME, TemplateEntry


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
        self.form_body = template.body if template else ""
        self.form_chat, self.form_text = (template.chat, template.text) if template else (True, True)
        self.form_email = template.email if template else False
        self.form_quick = template.quick_response if template else False
        self.form_sequence = str(template.display_sequence) if (template and editing) else ""

    @rx.event
    def close_form(self):
        self.form_open, self.editing_id = False, 0
