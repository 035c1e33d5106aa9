"""Formatted message text (bold, italic, bullets, links) made safe on the server, whatever the browser sent.

The formatted message box sends HTML; only a short allow-list survives (`nh3`, the Rust `ammonia` sanitiser):
no script, no event attribute, no style, and links only to http, https and mailto. Whether a stored body is
HTML is recorded beside it (`TEXT` | `HTML`), never guessed from its look: plain text is kept exactly as typed
("a < b" stays) and shown inert. SMS and WhatsApp get `services/channels/plain_text.plain_text` of HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser

import nh3

from services.channels.plain_text import plain_text

TAGS = {"b", "strong", "i", "em", "ul", "ol", "li", "a", "br", "p", "div"}  # Chrome's editor makes a line a <div>
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
_ANY_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^>]*)?/?>")  # as browsers parse a tag: no space after <


def is_formatted(body: str) -> bool:
    """Does the body carry markup at all (then it is treated, and cleaned, as HTML)?"""
    return bool(_ANY_TAG.search(body or ""))


def sanitise_html(body: str) -> str:
    """A body known to be HTML, cleaned (even when it carries no tag: its entities stay entities). `script` and
    `style` go with their content; every other unknown tag is dropped, its text kept."""
    return nh3.clean(body or "", tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     clean_content_tags={"script", "style"}, link_rel="noopener noreferrer nofollow").strip()


TEXT, HTML = "text", "html"  # how a stored body is to be read: never guessed from what it looks like


@dataclass(frozen=True)
class Body:
    body: str  # HTML when `format` is HTML, else plain text exactly as shown
    format: str = TEXT


def message_body(body: str, *, from_editor: bool, texted: bool) -> Body:
    """What is stored for an agent's message (or a template's Response).

    From the formatted box (`from_editor`) the body is HTML, whatever it looks like: it is sanitised and kept
    as HTML when formatting survives, else stored as the plain text it shows ("a &lt; b" is "a < b"; a box
    holding only `<br>` is empty). SMS and WhatsApp store the plain text the customer receives, so the timeline
    shows exactly what went out. A plain box's text is kept exactly as typed, tags and all: it is text."""
    if not from_editor:
        return Body(body or "")
    clean = sanitise_html(body)
    text = (plain_text(clean) if is_formatted(clean) else unescape(clean)).replace("\xa0", " ")
    if texted or not is_formatted(clean) or not text.strip():
        return Body(text.strip())
    return Body(clean, HTML)


def shown_html(body: str, body_format: str) -> str:
    """A stored HTML body for the timeline, sanitised again on the way out; "" for plain text."""
    return sanitise_html(body) if body_format == HTML else ""


def as_plain(body: str, body_format: str) -> str:
    """A stored body as plain text: the panel's last sentence, an SMS, an email's text part."""
    return plain_text(body) if body_format == HTML else (body or "")


def for_box(text: str, body_format: str, *, formatted: bool) -> str:
    """A stored body (a template) as the message box in use takes it: HTML for the formatted box (plain text
    escaped, its line breaks kept), plain text for the SMS/WhatsApp box."""
    if formatted:
        return sanitise_html(text) if body_format == HTML else escape(text or "", quote=False).replace("\n", "<br>")
    return as_plain(text, body_format)


def switched_draft(draft: str, *, to_editor: bool) -> str:
    """The draft carried over when Reply via moves between the formatted box (HTML) and the plain one."""
    return for_box(draft, TEXT, formatted=True) if to_editor else message_body(draft, from_editor=True,
                                                                                texted=True).body


class _TextPositions(HTMLParser):
    """Where each character of the shown text starts in the HTML source (an entity is one character)."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._line_starts = [0, *(i + 1 for i, c in enumerate(source) if c == "\n")]
        self.starts: list[int] = []

    def _here(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_data(self, data):
        at = self._here()
        self.starts.extend(range(at, at + len(data)))

    def handle_entityref(self, name):
        self.starts.append(self._here())

    handle_charref = handle_entityref


def insert_at_text_offset(html: str, snippet: str, offset: int) -> str:
    """`snippet` (HTML) put into the editor's `html` where the caret was: `offset` characters into the text the
    agent sees, as the browser counts them. Appended, after a space, when the caret is unknown or past the end."""
    positions = _TextPositions(html)
    positions.feed(html)
    positions.close()
    if offset < 0 or offset > len(positions.starts):
        return f"{html.rstrip()} {snippet}".strip() if html.strip() else snippet
    if offset == len(positions.starts):  # after the last character: right after it, inside its tag
        at = positions.starts[-1] + 1 if positions.starts else len(html)
        if positions.starts and html[positions.starts[-1]] == "&":
            at = html.index(";", positions.starts[-1]) + 1
    else:
        at = positions.starts[offset]
    return html[:at] + snippet + html[at:]
