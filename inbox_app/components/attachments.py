"""Attachments on screen: the links in a message (a thumbnail for a picture), the `Attach` button, and the
files attached but not yet sent. Shared by the inbox and the Live Chat; each passes its own state's vars."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from inbox_app.state.uploads import BROWSER_ACCEPT, BROWSER_MAX_BYTES, BROWSER_MAX_FILES

_KIND_ICONS = {"pdf": "file-text", "txt": "file-text"}


def file_link(link) -> rx.Component:
    return rx.el.a(
        rx.icon(rx.match(link.kind, *_KIND_ICONS.items(), "file"), size=14, aria_hidden="true"),
        rx.text(link.filename, as_="span", size="1", weight="medium", trim="both"),
        rx.text(link.size_label, as_="span", size="1", color="var(--gray-11)"),
        href=link.href, target="_blank", rel="noopener", data_testid="attachment",
        title=link.filename + " (opens in a new tab)",
        style={"display": "inline-flex", "alignItems": "center", "gap": "6px", "padding": "6px 10px",
               "borderRadius": "8px", "border": "1px solid var(--gray-6)", "background": "var(--color-panel-solid)",
               "color": "var(--gray-12)", "textDecoration": "none", "maxWidth": "280px"},
    )


def _picture_link(link) -> rx.Component:
    return rx.el.a(
        rx.el.img(src=link.thumbnail_href, alt=link.filename, width=link.thumbnail_width,
                  height=link.thumbnail_height, loading="lazy", data_testid="attachment-thumbnail",
                  style={"display": "block", "maxWidth": "240px", "maxHeight": "180px", "width": "auto",
                         "height": "auto", "borderRadius": "8px", "border": "1px solid var(--gray-6)"}),
        href=link.href, target="_blank", rel="noopener", data_testid="attachment",
        title=link.filename + " (opens in a new tab)",
    )


def attachment_links(attachments, *, align) -> rx.Component:
    return rx.cond(
        attachments.length() > 0,
        rx.flex(
            rx.foreach(attachments, lambda link: rx.cond(link.thumbnail_href != "", _picture_link(link),
                                                         file_link(link))),
            wrap="wrap", gap="6px", justify=align, max_width="70%",
        ),
    )


def _refusals(rejected) -> ArrayVar:
    """Only each refused file's name and reasons go to the server: the browser's File objects would travel
    whole, bytes and all, over the websocket."""

    def refusal(record):
        record = record.to(ObjectVar, dict[str, dict[str, Any]])
        errors = record["errors"].to(ArrayVar, list[dict[str, Any]])
        return rx.Var.create({"name": record["file"].to(ObjectVar, dict[str, Any])["name"],
                              "codes": errors.map(lambda error: error["code"])})

    return rejected.to(ArrayVar, list[dict[str, Any]]).map(refusal)


def attach_button(upload_id: str, on_drop, on_refused) -> rx.Component:
    """A button that opens the file chooser; files dropped on it are attached too. The browser turns away what
    no channel takes before sending it (`on_refused` gets each file's name and reasons); the server checks
    everything again, by content."""
    upload = rx.upload.root(
        rx.button(rx.icon("paperclip", size=14), "Attach", size="2", variant="soft", type="button"),
        id=upload_id, on_drop=on_drop, on_drop_rejected=lambda rejected: on_refused(_refusals(rejected)),
        no_keyboard=True, multiple=True,
        max_files=BROWSER_MAX_FILES, max_size=BROWSER_MAX_BYTES, accept=BROWSER_ACCEPT,
    )
    # The dropzone's own file input (hidden, reached through the button) takes no props: it is named here.
    zone = upload.children[0]
    zone.children[0].custom_attrs["aria-label"] = "Attach files"
    return upload


def pending_attachments(pending, on_remove, error) -> rx.Component:
    return rx.fragment(
        rx.cond(error != "", rx.text(error, size="1", color="var(--red-11)", role="alert",
                                     data_testid="attachment-error")),
        rx.cond(
            pending.length() > 0,
            rx.flex(
                rx.foreach(pending, lambda link: rx.hstack(
                    rx.cond(link.thumbnail_href != "",
                            rx.el.img(src=link.thumbnail_href, alt="", style={"width": "28px", "height": "28px",
                                                                             "objectFit": "cover",
                                                                             "borderRadius": "4px"}),
                            rx.icon("file", size=14, aria_hidden="true")),
                    rx.text(link.filename, size="1", weight="medium"),
                    rx.text(link.size_label, size="1", color="var(--gray-11)"),
                    rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost", color_scheme="gray",
                                   aria_label="Remove " + link.filename, title="Remove",
                                   on_click=on_remove(link.id)),
                    spacing="2", align="center", padding="2px 4px 2px 8px", border_radius="6px",
                    border="1px solid var(--gray-6)", data_testid="pending-attachment",
                )),
                wrap="wrap", gap="6px", width="100%",
            ),
        ),
    )
