"""What the template screens show: small frozen rows, never the SQLModel objects themselves."""

from __future__ import annotations

from dataclasses import dataclass

from services.formatting import as_plain
from services.models import ResponseTemplate

# "Available In": Text covers SMS and WhatsApp together, as the seed's single icon does.
TEXT_CHANNELS = ("sms", "whatsapp")
QUICK_RESPONSE_CHANNELS = ("chat", "sms", "whatsapp")  # never email


@dataclass(frozen=True)
class TemplateRow:
    template_id: int
    organization_id: int
    name: str
    body: str
    chat: bool
    text: bool
    email: bool
    quick_response: bool
    display_sequence: int
    base: bool
    preview: str = ""  # the body as plain text on one line, for the lists
    body_format: str = "text"  # text | html: how `body` is read
    owner_name: str = ""  # the managers' page says whose custom template it is
    organization_name: str = ""


def channels_of(template: ResponseTemplate) -> set[str]:
    return {c for c in (template.channels or "").split(",") if c}


def row(template: ResponseTemplate, *, owner_name: str = "", organization_name: str = "") -> TemplateRow:
    channels = channels_of(template)
    return TemplateRow(
        template_id=template.id, organization_id=template.organization_id, name=template.name, body=template.body,
        chat="chat" in channels, text=bool(channels & set(TEXT_CHANNELS)), email="email" in channels,
        quick_response=template.quick_response, display_sequence=template.display_sequence,
        base=template.owner_user_id is None, owner_name=owner_name, organization_name=organization_name,
        preview=" ".join(as_plain(template.body, template.body_format).split()), body_format=template.body_format,
    )
