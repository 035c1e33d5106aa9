"""The formatted message box: react-simple-wysiwyg (a small maintained contenteditable editor) wrapped for Reflex,
with `Bold`, `Italic` and `Bulleted list` and their shortcuts (Ctrl/Cmd+B, Ctrl/Cmd+I, Ctrl/Cmd+Shift+8).

The box sends its HTML to the server on every change, as the plain message box does; the server sanitises it
(services/formatting.py) before anything is stored or shown. Two things the library alone gets wrong here:
- The server echoes each change back. An echo of an older keystroke would overwrite newer typing in a
  contenteditable (it has no debounce like Reflex's inputs), so the box takes a value only with a new
  revision, which the server gives whenever it sets the text itself (cleared after Send, a template inserted);
  its typing carries the revision it typed over, and the server drops typing over a value it has replaced.
- The toolbar buttons are mouse-only in the library (tabindex -1): the shortcuts are the keyboard's way.
"""

from __future__ import annotations

import reflex as rx

_LIBRARY = "react-simple-wysiwyg@3.4.1"

_CODE = """
// The library's own buttons show letters (𝐁, 𝑰) that are not their accessible names: icons instead.
const FormatBold = createButton("Bold", jsx(FormatBoldIcon, { size: 15, "aria-hidden": true }), "bold");
const FormatItalic = createButton("Italic", jsx(FormatItalicIcon, { size: 15, "aria-hidden": true }), "italic");
const FormatList = createButton("Bulleted list", jsx(FormatListIcon, { size: 15, "aria-hidden": true }),
                                "insertUnorderedList");
// A link on the selected words (the browser asks for the address), or off again when the caret is in one.
// The server keeps only http, https and mailto links.
const toggleLink = (selected) => {
  if (selected?.nodeName === "A" || selected?.parentElement?.closest?.("a")) {
    document.execCommand("unlink");
    return;
  }
  const address = window.prompt("Link address", "https://");
  if (address && address !== "https://") document.execCommand("createLink", false, address);
};
const FormatLink = createButton("Link", jsx(FormatLinkIcon, { size: 15, "aria-hidden": true }),
                                ({ $selection }) => toggleLink($selection));

function MessageEditor({ value, revision, onChange, onKeyDown, name, ...rest }) {
  const [html, setHtml] = useState(value ?? "");
  const shown = useRef(revision);
  useEffect(() => {
    // Only a value the server set itself (a new revision) replaces what is in the box; the echo of the
    // agent's own keystrokes carries the old revision and is ignored, so fast typing is never overwritten.
    if (revision === shown.current) return;
    shown.current = revision;
    setHtml(value ?? "");
    const el = document.getElementById(rest.id);
    if (el) delete el.dataset.caret;  // a new text: the old caret means nothing in it
  }, [revision, value]);
  useEffect(() => {
    // Where the caret is, in characters of the text shown (code points, as the server counts), kept on the
    // element after focus leaves it: a template chosen from the search or a chip goes there
    // (services/formatting.insert_at_text_offset).
    const track = () => {
      const el = document.getElementById(rest.id);
      const selection = window.getSelection();
      if (!el || !selection || !selection.rangeCount || !el.contains(selection.anchorNode)) return;
      const range = document.createRange();
      range.selectNodeContents(el);
      range.setEnd(selection.anchorNode, selection.anchorOffset);
      el.dataset.caret = String(Array.from(range.toString()).length);
    };
    document.addEventListener("selectionchange", track);
    return () => document.removeEventListener("selectionchange", track);
  }, [rest.id]);
  const change = (event) => {
    const next = event.target.value;
    setHtml(next);
    onChange?.(next, shown.current ?? -1);
  };
  const keyDown = (event) => {
    if ((event.ctrlKey || event.metaKey) && event.shiftKey && event.code === "Digit8") {
      event.preventDefault();
      document.execCommand("insertUnorderedList");
      return;
    }
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      const selection = window.getSelection();
      toggleLink(selection?.anchorNode?.nodeType === 3 ? selection.anchorNode.parentElement : selection?.anchorNode);
      return;
    }
    onKeyDown?.(event);
  };
  // In a form (the Response of a template) the HTML is submitted as `name`, like any other field.
  return jsx(EditorProvider, {}, name ? jsx("input", { type: "hidden", name, value: html }) : null, jsx(Editor, {
      ...rest, value: html, onChange: change, onKeyDown: keyDown,
      role: "textbox", "aria-multiline": "true", containerProps: { className: "message-editor" } },
    jsx(Toolbar, { "aria-label": "Formatting" },
      jsx(FormatBold, { title: "Bold (Ctrl+B)", "aria-label": "Bold" }),
      jsx(FormatItalic, { title: "Italic (Ctrl+I)", "aria-label": "Italic" }),
      jsx(FormatList, { title: "Bulleted list (Ctrl+Shift+8)", "aria-label": "Bulleted list" }),
      jsx(FormatLink, { title: "Link (Ctrl+K)", "aria-label": "Link" }))));
}
"""


class MessageEditor(rx.Component):
    tag = "MessageEditor"

    value: rx.Var[str]
    revision: rx.Var[int]  # the server's draft revision: a new one replaces the box's text
    placeholder: rx.Var[str]
    name: rx.Var[str]  # given in a form: the HTML is submitted under this name
    on_change: rx.EventHandler[lambda value, revision: [value, revision]]
    on_key_down: rx.EventHandler[rx.event.key_event]

    def add_imports(self) -> rx.ImportDict:
        return {_LIBRARY: [rx.ImportVar(tag=name) for name in
                           ("EditorProvider", "Editor", "Toolbar", "createButton")],
                "lucide-react": [rx.ImportVar(tag=name, alias=f"Format{name}Icon")
                                 for name in ("Bold", "Italic", "List", "Link")],
                "react": [rx.ImportVar(tag="useState"), rx.ImportVar(tag="useRef"), rx.ImportVar(tag="useEffect")],
                "@emotion/react": [rx.ImportVar(tag="jsx")]}

    def add_custom_code(self) -> list[str]:
        return [_CODE]


message_editor = MessageEditor.create
