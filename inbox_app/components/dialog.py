"""Dialog content that gives focus back to whatever opened it.

Radix returns focus to a Dialog.Trigger. These dialogs open from state instead (Verify Customer, Wrap Up, the
quick actions: several openers each), so without this a keyboard user would land on <body> after Escape and
start again from the top of the page. The opener is remembered when the dialog takes focus, synchronously in
the browser (a round trip to the server would see focus already inside the dialog), and focused again on close.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.function import FunctionStringVar

_REMEMBER_OPENER = FunctionStringVar.create("(() => { window.__inboxDialogOpener = document.activeElement; })")
# preventDefault: Radix would otherwise try its (absent) trigger; an opener that has gone (Wrap Up after a
# submit, Verify Customer once verified) is skipped and focus stays where Radix leaves it.
_RETURN_FOCUS = FunctionStringVar.create(
    "((event) => { const opener = window.__inboxDialogOpener; window.__inboxDialogOpener = null;"
    " if (opener && opener.isConnected && opener !== document.body) { event.preventDefault(); opener.focus(); } })")


def dialog_content(*children, **props) -> rx.Component:
    return rx.dialog.content(*children, on_open_auto_focus=_REMEMBER_OPENER, on_close_auto_focus=_RETURN_FOCUS,
                             **props)
