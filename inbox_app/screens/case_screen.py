"""The Case screen: the case's details, notes and category, every interaction's transcript, files to download."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.components.common import channel_icon
from inbox_app.components.forms import SELECT_STYLE
from inbox_app.push import assign_if_changed
from inbox_app.screens.navigation import ScreenState, listen, still_shown
from inbox_app.screens.parts import error, fact, section, status_badge
from inbox_app.state.inbox_dialog import InboxDialog
from services import case_screen, events
from services.attachments.links import AttachmentLink
from services.case_screen import CaseInteraction, CaseView, Line
from services.errors import Refused

NAME = "case"


def _category(view: CaseView) -> str:
    return " / ".join(p for p in (view.category, view.subcategory) if p)


class CaseScreenState(InboxDialog):
    view: CaseView = CaseView(0, "", "", "", "", "", "", False)
    notes: str = ""
    category: str = ""
    case_error: str = ""
    case_saved: bool = False

    async def _load(self) -> bool:
        identity, inbox = await self._acting()
        if identity is None:
            return False
        return await self._read(identity, inbox, keep_typing=False)

    async def _read(self, identity, inbox, *, keep_typing: bool) -> bool:
        """`keep_typing`: on a push, notes or a category the agent has changed and not saved stay as typed."""
        try:
            async with runtime.db().read() as session:
                view = await case_screen.case_view(session, identity=identity, interaction_id=inbox.selected_id)
        except Refused as refused:
            inbox.notice, self.case_error = str(refused), str(refused)
            return False
        before = self.view
        assign_if_changed(self, "view", view)  # a push that changed nothing resends nothing
        if not keep_typing or self.notes == before.notes:
            assign_if_changed(self, "notes", view.notes)
        if not keep_typing or self.category == _category(before):
            assign_if_changed(self, "category", _category(view))
        assign_if_changed(self, "case_error", "")
        if not keep_typing:
            self.case_saved = False
        # Notes or category saved by another agent, a message or a new interaction in the case.
        listen(self, {events.case_topic(view.case_id)})
        return True

    async def _on_change(self, topics: set[str]) -> None:
        if shown := await still_shown(self, NAME):
            identity, inbox, _ = shown
            await self._read(identity, inbox, keep_typing=True)

    @rx.event
    async def open_case(self):
        if await self._load():
            await (await self.get_state(ScreenState))._open(NAME)

    @rx.event
    async def load(self):
        await self._load()

    @rx.event
    def set_notes(self, value: str):
        self.notes, self.case_saved = str(value)[:case_screen.MAX_CASE_NOTES + 1], False

    @rx.event
    def set_category(self, value: str):
        self.category, self.case_saved = str(value)[:200], False

    @rx.event
    async def save_case(self):
        identity, inbox = await self._acting()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await case_screen.save_case(session, identity=identity, interaction_id=inbox.selected_id,
                                            notes=self.notes, category=self.category, clock=runtime.clock)
        except Refused as refused:
            self.case_error = str(refused)
            return
        await self._load()
        self.case_saved = True


def _message(line: Line) -> rx.Component:
    return rx.hstack(
        rx.text(rx.moment(line.at_iso, format="MMM D HH:mm", local=True), size="1", color="var(--gray-11)",
                width="88px", flex_shrink="0"),
        rx.text(line.author, size="1", weight="medium", width="64px", flex_shrink="0", text_transform="capitalize"),
        rx.text(line.body, size="1", white_space="pre-wrap", word_break="break-word"),
        spacing="2", width="100%", data_testid="case-message",
    )


def _interaction(item: CaseInteraction) -> rx.Component:
    return rx.vstack(
        rx.hstack(channel_icon(item.channel, size=14), rx.text(item.channel, size="1", weight="medium",
                                                                text_transform="capitalize"),
                  rx.moment(item.created_iso, format="MMM D, YYYY HH:mm", local=True, font_size="12px",
                            color="var(--gray-11)"),
                  status_badge(item.state), spacing="2", align="center"),
        rx.foreach(item.messages, _message),
        spacing="1", width="100%", padding_y="6px", border_top="1px solid var(--gray-4)",
        data_testid="case-interaction", data_interaction_id=item.interaction_id,
    )


def _file(link: AttachmentLink) -> rx.Component:
    return rx.link(rx.icon("download", size=12), link.filename, " (", link.size_label, ")", href=link.href,
                   download=link.filename, size="1", data_testid="case-attachment")


def _edit() -> rx.Component:
    return rx.cond(
        CaseScreenState.view.editable,
        rx.vstack(
            rx.el.label("Category", html_for="case-category", style={"fontSize": "12px", "fontWeight": "500"}),
            rx.el.select(rx.el.option("None", value=""),
                         rx.foreach(CaseScreenState.view.categories, lambda c: rx.el.option(c, value=c)),
                         id="case-category", value=CaseScreenState.category, on_change=CaseScreenState.set_category,
                         style={**SELECT_STYLE, "maxWidth": "360px", "fontSize": "13px"}),
            rx.el.label("Case notes", html_for="case-screen-notes", style={"fontSize": "12px", "fontWeight": "500"}),
            rx.text_area(value=CaseScreenState.notes, on_change=CaseScreenState.set_notes, id="case-screen-notes",
                         rows="4", width="100%"),
            rx.hstack(rx.button("Save case", on_click=CaseScreenState.save_case, size="1"),
                      rx.cond(CaseScreenState.case_saved, rx.text("Saved", size="1", color="var(--green-11)")),
                      spacing="2", align="center"),
            spacing="1", width="100%",
        ),
        rx.vstack(fact("Category", CaseScreenState.category),
                  rx.text(CaseScreenState.view.notes, size="1", white_space="pre-wrap"), width="100%"),
    )


def case_screen_component() -> rx.Component:
    v = CaseScreenState.view
    return rx.vstack(
        error(CaseScreenState.case_error),
        rx.hstack(
            section("Case #" + v.case_id.to_string(),
                    rx.hstack(status_badge(v.status), rx.text("from " + v.origin, size="1", color="var(--gray-11)"),
                              rx.moment(v.created_iso, format="MMM D, YYYY", local=True, font_size="12px"),
                              spacing="2", align="center"),
                    _edit(), flex="2"),
            section("Attachments",
                    rx.cond(v.attachments.length() > 0, rx.vstack(rx.foreach(v.attachments, _file), spacing="1"),
                            rx.text("No files in this case.", size="1", color="var(--gray-11)")),
                    flex="1"),
            width="100%", align="stretch", spacing="3",
        ),
        section("Interactions", rx.foreach(v.interactions, _interaction)),
        spacing="3", width="100%", on_mount=CaseScreenState.load,
    )
