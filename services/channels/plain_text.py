"""SMS and WhatsApp are plain text: a formatted message (sanitised HTML from the message box) is converted,
never sent as tags. Bullets become "• " lines and a link keeps its address.

Messages typed as plain text (no formatting tag in them) are sent exactly as typed: "a < b" stays.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_FORMATTING = re.compile(r"<\s*/?\s*(b|strong|i|em|u|s|p|br|ul|ol|li|a|div|span)\b[^>]*>", re.IGNORECASE)
_BLOCKS = {"p", "div", "ul", "ol"}


class _Flattener(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._href: list[str | None] = []

    def _newline(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self._newline()
            self.out.append("• ")
        elif tag in _BLOCKS:
            self._newline()
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in _BLOCKS or tag == "li":
            self._newline()
        elif tag == "a" and self._href:
            href = self._href.pop()
            shown = self.out[-1] if self.out else ""
            if href and href not in shown:
                self.out.append(f" ({href})")

    def handle_data(self, data):
        self.out.append(data)


def plain_text(body: str) -> str:
    if not _FORMATTING.search(body or ""):
        return body or ""
    flattener = _Flattener()
    flattener.feed(body)
    flattener.close()
    # A browser's editor writes the space beside a formatted word as &nbsp;: plain text wants a plain space
    # (an SMS would otherwise leave GSM-7 for UCS-2 over it).
    text = "".join(flattener.out).replace("\xa0", " ")  # the parser decoded entities once, as browsers do
    return re.sub(r"\n{3,}", "\n\n", text).strip()
