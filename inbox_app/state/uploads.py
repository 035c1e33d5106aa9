"""What `Attach` hands to a handler, made ready for services/attachments: names and bytes, each file read only
up to the largest size any channel takes and one byte more (an oversized file is known without reading it
all); and the browser's own refusals (react-dropzone's codes) put in the words of the server's rules."""

from __future__ import annotations

import reflex as rx
from starlette.datastructures import UploadFile as StarletteUploadFile

from services.attachments.rules import MAX_UPLOAD_BODY, RULES, rules_for, too_large, too_many, wrong_kind
from services.attachments.staging import Upload

_READ_LIMIT = max(rule.max_bytes for rule in RULES.values()) + 1
# Offered to the browser's file chooser: what chat and SMS take (the server decides by content anyway).
BROWSER_ACCEPT = {"image/png": [".png"], "image/gif": [".gif"], "image/jpeg": [".jpg", ".jpeg"],
                  "text/plain": [".txt"], "application/pdf": [".pdf"]}
BROWSER_MAX_BYTES = RULES["chat"].max_bytes
BROWSER_MAX_FILES = RULES["chat"].max_files


async def read(files: list[rx.UploadFile]) -> list[Upload]:
    """Only real uploads count: a client calling the handler directly with anything else attaches nothing."""
    uploads, total = [], 0
    files = [file for file in files if isinstance(file, StarletteUploadFile)] if isinstance(files, list) else []
    for file in files[: BROWSER_MAX_FILES + 1]:  # one more than any channel takes: enough to refuse by count
        data = await file.read(_READ_LIMIT)
        total += len(data)
        if total > MAX_UPLOAD_BODY:
            break
        uploads.append(Upload(str(file.name or file.filename or "attachment")[:255], data))
    return uploads


def browser_refusal(rejections: list, channel: str) -> str:
    """The message for files the browser turned away before sending them: a list of {name, codes}, the codes
    react-dropzone's (components/attachments.py sends only those)."""
    rules = rules_for(channel) or RULES["chat"]
    if not isinstance(rejections, list):
        return ""
    for rejection in rejections[:20]:
        if not isinstance(rejection, dict):
            continue
        name = str(rejection.get("name") or "The file")[:120]
        codes = [str(code) for code in rejection.get("codes") or []][:10] if isinstance(rejection.get("codes"),
                                                                                     list) else []
        if "too-many-files" in codes:
            return too_many(rules, rules.max_files + 1) or ""
        if "file-too-large" in codes:
            return too_large(rules, name, rules.max_bytes + 1) or ""
        if "file-invalid-type" in codes:
            return wrong_kind(rules, name, None) or ""
    return ""
