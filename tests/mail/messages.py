"""Emails as customers' mail programs and servers write them, for the inbound email tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

from tests.conftest import START

AUTHSERV = "mx.inbox.test"


def email(*, message_id: str, from_: str = "Ellen Smith <ellen.smith@example.com>",
          to: str = "care@sophias.example", subject: str = "Where is my order?", text: str = "Where is my order?",
          html: str | None = None, in_reply_to: str | None = None, references: str | None = None,
          auth: str | None = None, headers: dict[str, str] | None = None,
          attachments: list[tuple[str, bytes, str]] = ()) -> EmailMessage:
    """`auth`: the result our receiving server wrote, e.g. "dmarc=pass header.from=example.com"."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = from_, to, subject
    mail["Message-ID"], mail["Date"] = message_id, format_datetime(START)
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    if auth:
        mail["Authentication-Results"] = f"{AUTHSERV}; {auth}"
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(text)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail
