"""The Customer Profile popup: the record's details and customer notes."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import BORDER
from inbox_app.components.dialog import dialog_content
from inbox_app.components.forms import error_text, fact, field, info_text
from inbox_app.state.inbox import InboxState
from inbox_app.state.profile import ProfileState


def _note(note) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(note.author, size="1", weight="medium"),
                  rx.moment(note.at_iso, format="MMM D, YYYY HH:mm", local=True, font_size="11px",
                            color="var(--gray-11)"),
                  spacing="2"),
        rx.text(note.body, size="2", white_space="pre-wrap"),
        spacing="0", width="100%", padding_y="6px", border_bottom=BORDER, data_testid="customer-note",
    )


def _input(label: str, name: str, value, kind: str = "text") -> rx.Component:
    control = rx.input(id=f"profile-{name}", value=value, type=kind, size="2", width="100%",
                       on_change=ProfileState.edit_field(name))
    return field(label, f"profile-{name}", control, width="50%")


def _editable() -> rx.Component:
    f = ProfileState.form
    return rx.vstack(
        rx.hstack(_input("First name", "first_name", f.first_name), _input("Last name", "last_name", f.last_name),
                  width="100%", spacing="3"),
        rx.hstack(_input("Email", "email", f.email, "email"), _input("Phone", "phone", f.phone, "tel"),
                  width="100%", spacing="3"),
        rx.hstack(error_text(ProfileState.profile_error),
                  info_text(rx.cond(ProfileState.profile_saved, "Profile saved.", "")), rx.spacer(),
                  rx.button("Save", on_click=ProfileState.save_profile, size="1"), width="100%", align="center"),
        spacing="2", width="100%",
    )


def _read_only(p) -> rx.Component:
    return rx.fragment(fact("Name", p.name), fact("Email", p.email), fact("Phone", p.phone))


def profile_dialog() -> rx.Component:
    p = InboxState.profile
    return rx.dialog.root(
        dialog_content(
            rx.dialog.title("Customer Profile"),
            rx.vstack(
                rx.cond(ProfileState.form.editable, _editable(), _read_only(p)),
                fact("Loyalty", p.loyalty), fact("Status", p.status), fact("Time zone", p.timezone),
                fact("Customer since", rx.moment(p.customer_since_iso, format="MMM YYYY", local=True)),
                rx.separator(size="4"),
                rx.text("Customer notes", size="2", weight="bold"),
                field("New note", "customer-note",
                      rx.text_area(id="customer-note", value=ProfileState.note_draft,
                                   on_change=ProfileState.set_note_draft, rows="2", width="100%")),
                rx.hstack(rx.button("Add note", on_click=ProfileState.add_note, size="1",
                                    disabled=ProfileState.note_draft.strip() == ""), justify="end", width="100%"),
                error_text(ProfileState.note_error),
                rx.scroll_area(rx.vstack(rx.foreach(ProfileState.notes, _note), spacing="0", width="100%"),
                               max_height="220px", type="auto"),
                rx.cond(ProfileState.notes.length() == 0,
                        rx.text("No notes yet.", size="1", color="var(--gray-11)")),
                rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end",
                          width="100%"),
                spacing="2", width="100%", margin_top="8px",
            ),
            max_width="500px",
        ),
        open=ProfileState.profile_open,
        on_open_change=ProfileState.set_profile_open,
    )
