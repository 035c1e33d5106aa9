"""Formatted message text (bold, italic, bullets, links) made safe on the server, whatever the browser sent.

The formatted message box sends HTML; only a short allow-list survives (`nh3`, the Rust `ammonia` sanitiser):
no script, no event attribute, no style, and links only to http, https and mailto. A body without any
formatting tag is plain text and is kept exactly as typed ("a < b" stays), shown inert as before, so every
existing plain message keeps working. SMS and WhatsApp get `services/channels/plain_text.plain_text` of it.
"""

from __future__ import annotations

import re

import nh3

TAGS = {"b", "strong", "i", "em", "ul", "ol", "li", "a", "br", "p"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
_ANY_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^>]*)?/?>")  # as browsers parse a tag: no space after <


def is_formatted(body: str) -> bool:
    """Does the body carry markup at all (then it is treated, and cleaned, as HTML)?"""
    return bool(_ANY_TAG.search(body or ""))


def sanitise(body: str) -> str:
    """The body safe to store and to render as HTML; plain text unchanged."""
    if not is_formatted(body):
        return body or ""
    # `script` and `style` go with their content; every other unknown tag is dropped, its text kept.
    return nh3.clean(body, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     clean_content_tags={"script", "style"}, link_rel="noopener noreferrer nofollow").strip()
