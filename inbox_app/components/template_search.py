"""Search templates: a textbox under the message box listing `template-result` items as the agent types.

The keyboard works throughout, in the browser (no script from the server: the CSP allows no eval):
`/` focuses the search when focus is not in a text field; ↓/↑ move through the results; Enter in the search
inserts the best one, Enter on a result inserts that one; Escape goes back to the message box.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.function import FunctionStringVar

from inbox_app.state.quick_responses import QuickResponsesState as Q

SEARCH_ID = "template-search"
# Where the cursor is in the message box, read when a template is chosen: a textarea keeps its selection after
# focus has moved to the search; the formatted box keeps its caret (in characters of its text) in data-caret.
# -1 when there is no message box or no caret yet: the template is appended.
CURSOR = rx.Var("((el) => !el ? -1 : typeof el.selectionStart === 'number' ? el.selectionStart"
                " : el.dataset.caret ? parseInt(el.dataset.caret, 10) : -1)"
                "(document.getElementById('message-box'))").to(int)

_MOVE_AND_CHOOSE = FunctionStringVar.create("""((key, modifiers, event) => {
    if (modifiers.alt_key || modifiers.ctrl_key || modifiers.meta_key) return;
    const box = event.currentTarget;
    const input = box.querySelector('#template-search');
    const items = [...box.querySelectorAll('[data-testid="template-result"]')];
    const at = items.indexOf(document.activeElement);
    if ((key === "ArrowDown" || key === "ArrowUp") && items.length) {
        event.preventDefault();
        const next = at + (key === "ArrowDown" ? 1 : -1);
        if (next < 0) input.focus(); else items[Math.min(items.length - 1, next)].focus();
    } else if (key === "Enter" && document.activeElement === input && items.length) {
        event.preventDefault();
        items[0].click();
    } else if (key === "Escape") {
        document.getElementById("message-box")?.focus();  // the results hide once focus leaves the search
    }
})""")


class KeyedBox(rx.el.elements.Div):
    """A <div> that hears key presses from the search and its results."""

    on_key_down: rx.EventHandler[rx.event.key_event]


class SlashFocus(rx.Fragment):
    """Listens on the window for `/` while the composer is shown; typing `/` in a text field stays a `/`."""

    def add_hooks(self) -> list[str | rx.Var[Any]]:
        return [rx.Var("""useEffect(() => {
    const onKey = (event) => {
        if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
        const el = document.activeElement;
        if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return;
        if (document.querySelector('[role="dialog"]')) return;
        const search = document.getElementById("template-search");
        if (search) { event.preventDefault(); search.focus(); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
}, []);""")]


def _result(result) -> rx.Component:
    return rx.el.button(
        rx.hstack(
            rx.text(result.name, size="2", weight="medium", white_space="nowrap"),
            rx.cond(result.base, rx.text("Base", size="1", color="var(--gray-11)")),
            spacing="2", align="center",
        ),
        rx.text(result.snippet, size="1", color="var(--gray-11)", overflow="hidden", text_overflow="ellipsis",
                white_space="nowrap"),
        on_click=Q.use(result.template_id, CURSOR),
        data_testid="template-result",
        style={"display": "block", "width": "100%", "textAlign": "left", "padding": "6px 10px",
               "borderBottom": "1px solid var(--gray-a4)", "background": "transparent", "cursor": "pointer",
               "outlineOffset": "-2px"},
        _focus={"background": "var(--accent-3)"}, _hover={"background": "var(--gray-a3)"},
    )


def _results() -> rx.Component:
    return rx.cond(
        Q.query != "",
        rx.box(
            rx.cond(Q.results.length() > 0, rx.foreach(Q.results, _result),
                    rx.cond(Q.searched, rx.text("No template matches.", size="2", color="var(--gray-11)",
                                                padding="8px 10px"))),
            id="template-results", role="group", aria_label="Templates found",
            position="absolute", bottom="calc(100% + 4px)", left="0", width="420px", max_height="360px",
            overflow_y="auto", background="var(--color-panel-solid)", border="1px solid var(--gray-a6)",
            border_radius="8px", box_shadow="var(--shadow-4)", z_index="10",
        ),
    )


def template_search() -> rx.Component:
    return KeyedBox.create(
        SlashFocus.create(),
        rx.input(
            id=SEARCH_ID, value=Q.query, on_change=Q.search_for.debounce(150),
            placeholder="Search templates  ( / )", aria_label="Search templates", size="1", width="220px",
            auto_complete="off",
        ),
        _results(),
        on_key_down=_MOVE_AND_CHOOSE,
        # The results show while focus is in the search or on a result, and hide when the agent moves on.
        style={"position": "relative", "flexShrink": "0",
               "&:not(:focus-within) #template-results": {"display": "none"}},
    )
