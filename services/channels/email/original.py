"""The customer's email as they wrote it, for the agent to read beside the conversation's plain words.

The conversation shows only the new words, as text. The original (the HTML with its layout, or the whole plain
text with its quoted history) is its own small page that the inbox shows in a sandboxed frame
(inbox_app/http/email_routes.py):
- the HTML is sanitised at ingest and again here with the same lists, so a rule tightened later also applies to
  mail already stored;
- nothing in it can run: the frame has no `allow-scripts`, and the page's policy has no script source;
- remote images are not fetched until the agent asks, because a remote image tells the sender that, when and
  from where the mail was read. Their addresses are taken out of the page, not just blocked, and the policy
  refuses every other way to load one (CSS) as a second line.
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass

import nh3
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.attachments.access import agent_may_see_interaction
from services.auth import Identity
from services.errors import NotFound
from services.formatting import ATTRIBUTES, TAGS
from services.models import EmailRecord, Interaction, Message

# What an email's layout is made of. No form, frame, object, media, style sheet or script: only what draws text,
# tables and pictures.
EMAIL_TAGS = TAGS | {
    "span", "u", "s", "strike", "sub", "sup", "small", "font", "center", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "code", "hr", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "colgroup", "col", "img", "dl", "dt", "dd", "abbr"}
_CELL = {"colspan", "rowspan", "width", "height", "valign", "bgcolor"}
EMAIL_ATTRIBUTES = {
    **ATTRIBUTES, "*": {"style", "align", "dir", "title"}, "img": {"src", "alt", "width", "height"},
    "td": _CELL, "th": _CELL, "table": {"width", "cellpadding", "cellspacing", "border", "bgcolor"},
    "font": {"color", "size", "face"}, "col": {"span", "width"}}
# Layout and type only: no property that takes a url() (background, list-style-image, border-image, content).
STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight", "text-align",
    "text-decoration", "text-transform", "line-height", "letter-spacing", "white-space", "vertical-align",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left", "padding", "padding-top",
    "padding-right", "padding-bottom", "padding-left", "border", "border-top", "border-right", "border-bottom",
    "border-left", "border-color", "border-style", "border-width", "border-collapse", "border-radius", "width",
    "max-width", "min-width", "height", "display"}
EMAIL_SCHEMES = {"http", "https", "mailto", "cid"}
_DROPPED_CONTENT = {"script", "style", "head", "title"}

# The frame may open links in a new tab (`allow-popups`), never run a script or reach the inbox's own origin.
FRAME_SANDBOX = "allow-popups allow-popups-to-escape-sandbox"


@dataclass(frozen=True)
class Cleaned:
    html: str
    remote_images: int  # pictures whose address was taken out (0 once the agent asked for them)


def clean(raw: str, *, images: bool = True) -> Cleaned:
    """The allow-lists above; with `images=False` every remote picture loses its address (and keeps its alt)."""
    removed = []

    def _pictures(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "style":  # no declaration that could fetch something (the page's policy refuses it too)
            return ";".join(part for part in value.split(";") if "url(" not in part.lower().replace(" ", ""))
        if tag == "img" and attribute == "src":
            if value.strip().lower().startswith("cid:"):
                return None  # a picture inside the mail; it arrives as an attachment of the message
            if not images:  # every other address, however written (//host, relative, padded), is held back
                removed.append(value)
                return None
        return value

    cleaned = nh3.clean(raw or "", tags=EMAIL_TAGS, attributes=EMAIL_ATTRIBUTES, url_schemes=EMAIL_SCHEMES,
                        clean_content_tags=_DROPPED_CONTENT, filter_style_properties=STYLE_PROPERTIES,
                        attribute_filter=_pictures, link_rel="noopener noreferrer nofollow").strip()
    return Cleaned(cleaned, len(removed))


def content_security_policy(*, images: bool) -> str:
    """The page's own policy: a sandbox even if it is opened outside the frame, no script, only the inbox may
    frame it, and remote pictures only once the agent asked."""
    pictures = "img-src data: https: http:" if images else "img-src data:"
    return "; ".join([f"sandbox {FRAME_SANDBOX}", "default-src 'none'", "style-src 'unsafe-inline'", pictures,
                      "base-uri 'none'", "form-action 'none'", "frame-ancestors 'self'"])


_PAGE_STYLE = ("body{margin:0;padding:12px 16px;font:14px/1.5 system-ui,sans-serif;color:#1c2024;"
               "overflow-wrap:anywhere}img{max-width:100%;height:auto}pre{white-space:pre-wrap;font:inherit}"
               ".notice{margin:0 0 12px;padding:6px 10px;background:#fff7c2;border:1px solid #e2c94f;"
               "border-radius:6px;font-size:12px;color:#473b1f}.notice a{color:#0d3868}")


def page(record: EmailRecord, *, images: bool) -> str:
    """The whole document. Links open in a new tab. The notice points at `Load remote images`, which the inbox
    shows beside the frame: a request the sandboxed page made itself would carry no session cookie."""
    if record.html:
        cleaned = clean(record.html, images=images)
        body = cleaned.html
    else:
        cleaned, body = Cleaned("", 0), f"<pre>{html_lib.escape(record.full_text)}</pre>"
    notice = ""
    if cleaned.remote_images:
        count = cleaned.remote_images
        notice = (f'<p class="notice" data-testid="remote-images-blocked">{count} remote '
                  f'{"picture is" if count == 1 else "pictures are"} not shown, so the sender cannot tell that '
                  'this email was opened. "Load remote images", above this frame, shows them.</p>')
    title = html_lib.escape(record.subject or "Email")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<base target="_blank"><style>{_PAGE_STYLE}</style></head><body>{notice}{body}</body></html>')


async def for_agent(session: AsyncSession, *, identity: Identity | None, message_id: int) -> EmailRecord:
    """The email behind a customer's message, for an agent whose screens show that message; else NotFound (the
    same answer for a foreign id, a message that was no email, and an agent who may not see it)."""
    if identity is None:
        raise NotFound("email")  # before any query: an anonymous caller learns nothing, not even by timing
    record = (await session.exec(select(EmailRecord).where(EmailRecord.message_id == message_id))).first()
    message = await session.get(Message, message_id) if record else None
    interaction = await session.get(Interaction, message.interaction_id) if message else None
    if interaction is None or message.internal or not await agent_may_see_interaction(
            session, identity=identity, interaction=interaction):
        raise NotFound("email")
    return record
