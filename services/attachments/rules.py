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
    max_total: int | None = None  # all the message's files together; None: max_files × max_bytes

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
    # Email: 10 files of 10 MB, but 25 MB in all, which mail servers commonly accept (a larger email would
    # fail at delivery, after the agent saw it go).
    "email": ChannelRules("email", _CHAT_AND_SMS, 10, 10 * MIB, max_total=25 * MIB),
}


def _total(rules: ChannelRules) -> int:
    return rules.max_total or rules.max_files * rules.max_bytes


# The largest body one upload can need (25 MiB: five files of 5 MiB, or email's total) plus room for the
# multipart framing: the ASGI guard in front of /_upload refuses more before it is read.
MAX_UPLOAD_BODY = max(_total(rule) for rule in RULES.values()) + MIB

# What an inbound email may bring (issue 10): the same rules as an agent's email.
EMAIL_RULES = RULES["email"]

def rules_for(channel: str) -> ChannelRules | None:
    return RULES.get(channel)


def too_many(rules: ChannelRules, count: int) -> str | None:
    """The message when `count` files are more than the channel takes at a time."""
    if count <= rules.max_files:
        return None
    return f"{CHANNEL_NAMES[rules.channel]} takes at most {rules.count_label} at a time."


def too_much(rules: ChannelRules, sizes: list[int]) -> str | None:
    """The message when the files together are more than the channel takes in one message."""
    if rules.max_total is None or sum(sizes) <= rules.max_total:
        return None
    return f"{CHANNEL_NAMES[rules.channel]} takes at most {rules.max_total // MIB} MB of files in all."


def too_large(rules: ChannelRules, name: str, size: int) -> str | None:
    if size <= rules.max_bytes:
        return None
    return f"{name} is larger than {rules.size_label}."


def wrong_kind(rules: ChannelRules, name: str, kind: str | None) -> str | None:
    if kind in rules.kinds:
        return None
    what = f"a {kind.upper()} file" if kind else "not a file type we accept"
    return f"{name} is {what}: {CHANNEL_NAMES[rules.channel]} takes {rules.kinds_label()}."
