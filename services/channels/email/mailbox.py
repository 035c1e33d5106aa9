"""The IMAP side, with imap-tools: blocking calls, so the poller runs each in a thread.

Mail is fetched with `mark_seen=False` (BODY.PEEK) and flagged \\Seen only after it is committed, so a person
watching the mailbox sees as read only what the inbox holds. The raw bytes are kept as the server sent them.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from imap_tools import AND, BaseMailBox, MailBox, MailBoxUnencrypted, MailMessage, MailMessageFlags

from services.config import Settings


class RawMailMessage(MailMessage):
    def __init__(self, fetch_data: list) -> None:
        super().__init__(fetch_data)
        self.raw = self._get_message_data_parts(fetch_data)[0]


@dataclass(frozen=True)
class Account:
    host: str
    port: int
    username: str
    password: str
    folder: str = "INBOX"
    ssl: bool = True

    @property
    def key(self) -> str:
        """The cursor's name: another server, user or folder is another mailbox."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"[:300]

    @classmethod
    def from_settings(cls, settings: Settings) -> Account | None:
        if not settings.imap_host or not settings.imap_username:
            return None
        return cls(settings.imap_host, settings.imap_port, settings.imap_username, settings.imap_password or "",
                   settings.imap_folder, settings.imap_ssl)


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes


def connect(account: Account, timeout: float = 30) -> BaseMailBox:
    if account.ssl:
        box = MailBox(account.host, account.port, timeout=timeout, ssl_context=ssl.create_default_context())
    else:
        box = MailBoxUnencrypted(account.host, account.port, timeout=timeout)
    box.email_message_class = RawMailMessage
    return box.login(account.username, account.password, initial_folder=account.folder)


def uidvalidity(box: BaseMailBox, folder: str) -> int:
    return int(box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])


def fetch_after(box: BaseMailBox, last_uid: int, limit: int) -> list[Fetched]:
    """Mail with a UID above `last_uid`, oldest first. ("n:*" also answers the newest mail when none is above
    n, hence the filter.)"""
    found = [Fetched(int(mail.uid), mail.raw) for mail in box.fetch(
        AND(uid=f"{last_uid + 1}:*"), mark_seen=False, bulk=limit, limit=limit, charset=None)
        if mail.uid and int(mail.uid) > last_uid]
    return sorted(found, key=lambda mail: mail.uid)


def mark_seen(box: BaseMailBox, uids: list[int]) -> None:
    if uids:
        box.flag([str(uid) for uid in uids], MailMessageFlags.SEEN, True)
