"""What each channel accepts, enforced on the server (the browser's own limits are a convenience only).

Kinds are decided by content (inspection.py), never by a file's name. 5 MB means 5 MiB: 5,242,880 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.channels.reply_via import LABELS as CHANNEL_NAMES

MIB = 1024 * 1024


@dataclass(frozen=True)
class ChannelRules:
    channel: str
    kinds: tuple[str, ...]  # in the order a refusal names them
    max_files: int
    max_bytes: int

    @property
    def size_label(self) -> str:
        return f"{self.max_bytes // MIB} MB"

    @property
    def count_label(self) -> str:
        return f"{self.max_files} file" if self.max_files == 1 else f"{self.max_files} files"

    def kinds_label(self) -> str:
        return ", ".join(kind.upper() for kind in self.kinds)


_CHAT_AND_SMS = ("png", "gif", "jpg", "txt", "pdf")
RULES = {
    "chat": ChannelRules("chat", _CHAT_AND_SMS, 5, 5 * MIB),
    "sms": ChannelRules("sms", _CHAT_AND_SMS, 5, 5 * MIB),
    # WhatsApp's own media rules are narrower: one file per message, no GIF or text files.
    "whatsapp": ChannelRules("whatsapp", ("png", "jpg", "pdf"), 1, 5 * MIB),
}

# What an inbound email may bring (issue 10). Not in RULES: agents cannot send files by email yet, and the upload
# guard below must not grow to fit ten 10 MB files.
EMAIL_RULES = ChannelRules("email", _CHAT_AND_SMS, 10, 10 * MIB)

# The largest body any channel's upload can need (5 files of 5 MiB) plus room for the multipart framing: the
# ASGI guard in front of /_upload refuses more before it is read.
MAX_UPLOAD_BODY = max(rule.max_files * rule.max_bytes for rule in RULES.values()) + MIB

def rules_for(channel: str) -> ChannelRules | None:
    return RULES.get(channel)


def too_many(rules: ChannelRules, count: int) -> str | None:
    """The message when `count` files are more than the channel takes at a time."""
    if count <= rules.max_files:
        return None
    return f"{CHANNEL_NAMES[rules.channel]} takes at most {rules.count_label} at a time."


def too_large(rules: ChannelRules, name: str, size: int) -> str | None:
    if size <= rules.max_bytes:
        return None
    return f"{name} is larger than {rules.size_label}."


def wrong_kind(rules: ChannelRules, name: str, kind: str | None) -> str | None:
    if kind in rules.kinds:
        return None
    what = f"a {kind.upper()} file" if kind else "not a file type we accept"
    return f"{name} is {what}: {CHANNEL_NAMES[rules.channel]} takes {rules.kinds_label()}."
