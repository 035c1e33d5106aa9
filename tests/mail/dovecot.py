"""A real IMAP server for tests: Debian's dovecot, started in the foreground with its own temporary config,
passwd file and Maildir on a free loopback port (facts in the README, "Inbound email"). Tests put mail in with
imaplib APPEND, exactly as a delivery would, headers and all."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
USER, PASSWORD = "care", "care-pass"

_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
mail_uid = {mail_user}
mail_gid = {mail_group}
first_valid_uid = 0
first_valid_gid = 0
default_login_user = {login_user}
default_internal_user = {mail_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _user(name: str, fallback: str) -> str:
    try:
        pwd.getpwnam(name)
        return name
    except KeyError:
        return fallback


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen
    host: str = "127.0.0.1"
    username: str = USER
    password: str = PASSWORD

    def imap(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port)
        client.login(self.username, self.password)
        return client

    def append(self, mail: EmailMessage | bytes, folder: str = "INBOX") -> None:
        raw = mail if isinstance(mail, bytes) else mail.as_bytes()
        client = self.imap()
        try:
            status, _ = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK"
        finally:
            client.logout()

    def seen_flags(self, folder: str = "INBOX") -> list[bool]:
        """Per message, in mailbox order: has it been flagged \\Seen?"""
        client = self.imap()
        try:
            client.select(folder, readonly=True)
            status, data = client.fetch("1:*", "(FLAGS)")
            if status != "OK" or data == [None]:
                return []
            return [b"\\Seen" in item for item in data if isinstance(item, bytes)]
        finally:
            client.logout()

    def recreate_folder(self, folder: str = "INBOX") -> None:
        """Wipe the Maildir's UID list: the server gives the folder a new UIDVALIDITY and numbers mail anew."""
        for name in ("dovecot-uidlist", "dovecot.index", "dovecot.index.cache", "dovecot.index.log"):
            (self.root / "mail" / USER / name).unlink(missing_ok=True)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _write_config(root: Path, port: int) -> Path:
    mail_user = _user("dovecot", "nobody")
    mail_group = grp.getgrgid(pwd.getpwnam(mail_user).pw_gid).gr_name
    config = root / "dovecot.conf"
    config.write_text(_CONFIG.format(root=root, port=port, mail_user=mail_user, mail_group=mail_group,
                                     login_user=_user("dovenull", mail_user)))
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::{root}/mail/{USER}::\n")
    for folder in ("run", "state", "mail", f"mail/{USER}"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    (root / "mail").chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root / "mail" / USER, mail_user, mail_group)
    return config


def _wait_ready(server: Dovecot, deadline: float = 15.0) -> None:
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        if server.process.poll() is not None:
            log = (server.root / "dovecot.log").read_text() if (server.root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited: {log[-2000:]}")
        try:
            with socket.create_connection((server.host, server.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dovecot did not start listening")


def start() -> Dovecot:
    root = Path(tempfile.mkdtemp(prefix="inbox-dovecot-"))
    port = _free_port()
    config = _write_config(root, port)
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    server = Dovecot(root, port, process)
    try:
        _wait_ready(server)
    except Exception:
        server.stop()
        raise
    return server


@pytest.fixture
def dovecot():
    """A fresh dovecot with an empty mailbox for each test (it starts in well under a second)."""
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; `make setup` does it)")
    server = start()
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)
