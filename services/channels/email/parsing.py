"""An email as the inbox needs it, read with the standard library's `email` (policy.default).

The panel shows the customer's new words only (quoted history stripped by mail-parser-reply); the whole plain
text and the HTML, sanitised by nh3, are kept beside it. HTML never reaches the inbox page as markup: the message
body is text, rendered inert like every other customer message, and the original is its own sandboxed page
(original.py).
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import nh3
from mailparser_reply import EmailReplyParser

from services.channels.email import original

MAX_ID = 255
_MSGID = re.compile(r"<[^<>\s]+>")
_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(p|div|li|tr|h[1-6])>")
_reply_parser = EmailReplyParser(languages=["en"])


@dataclass(frozen=True)
class Part:
    filename: str
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str  # the Message-ID, or one made from the content when the mail has none
    from_address: str  # lower case
    from_name: str
    recipients: tuple[str, ...]  # To, Cc, Delivered-To, X-Original-To; lower case
    subject: str
    in_reply_to: str
    references: tuple[str, ...]
    full_text: str
    html: str  # sanitised
    shown: str  # the new part only, for the conversation
    auto_reply: bool
    authentication_results: tuple[str, ...]
    attachments: tuple[Part, ...] = field(default_factory=tuple)


def _ids(raw: str | None) -> list[str]:
    return [found[:MAX_ID] for found in _MSGID.findall(str(raw or ""))]


def is_auto_reply(mail: EmailMessage) -> bool:
    """Out-of-office answers, bounces and list mail never open interactions: answering them loops (RFC 3834)."""
    submitted = str(mail.get("Auto-Submitted", "no")).split(";")[0].strip().lower()
    precedence = str(mail.get("Precedence", "")).strip().lower()
    return submitted not in ("", "no") or precedence in ("bulk", "junk", "list") or "X-Autoreply" in mail


def sanitised_html(raw: str) -> str:
    """The email allow-list (original.py): layout, type and pictures survive; no script, style sheet, event
    attribute, form or frame. Pictures keep their address here; the page that shows the email removes it until
    the agent asks."""
    return original.clean(raw).html


def html_as_text(raw: str) -> str:
    marked = _BLOCK_END.sub("\n", raw)
    text = html_lib.unescape(nh3.clean(marked, tags=set(), clean_content_tags={"script", "style", "head", "title"}))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _body(mail: EmailMessage, kind: str) -> str:
    part = mail.get_body(preferencelist=(kind,))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset: the bytes as best we can
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


def _attachments(mail: EmailMessage) -> tuple[Part, ...]:
    found = []
    for number, part in enumerate(mail.iter_attachments(), start=1):
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            found.append(Part(part.get_filename() or f"attachment-{number}", data))
    return tuple(found)


def _shown(text: str) -> str:
    try:
        latest = _reply_parser.parse_reply(text=text)
    except Exception:  # noqa: BLE001 - a parser hiccup shows the whole text rather than losing the mail
        latest = text
    return (latest or text).strip()


def parse(raw: bytes) -> ParsedEmail:
    mail = message_from_bytes(raw, policy=policy.default)
    name, address = parseaddr(str(mail.get("From", "")))
    recipients = getaddresses([str(value) for header in ("To", "Cc", "Delivered-To", "X-Original-To")
                               for value in mail.get_all(header, [])])
    html = _body(mail, "html")
    text = _body(mail, "plain") or html_as_text(html)
    [message_id, *_] = _ids(mail.get("Message-ID")) or [f"<sha256.{hashlib.sha256(raw).hexdigest()}@no-message-id>"]
    return ParsedEmail(
        message_id=message_id, from_address=address.strip().lower(), from_name=name.strip(),
        recipients=tuple(dict.fromkeys(addr.strip().lower() for _, addr in recipients if addr)),
        subject=str(mail.get("Subject", "")).strip()[:500], in_reply_to=(_ids(mail.get("In-Reply-To")) or [""])[0],
        references=tuple(_ids(mail.get("References"))), full_text=text.strip(), html=sanitised_html(html),
        shown=_shown(text), auto_reply=is_auto_reply(mail),
        authentication_results=tuple(str(value) for value in mail.get_all("Authentication-Results", [])),
        attachments=_attachments(mail))
