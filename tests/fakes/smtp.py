"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests only."""

from __future__ import annotations

import re
import time
from email import message_from_bytes, policy
from email.message import EmailMessage as Message

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self):
        self.messages: list[Message] = []
        self.answer = "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return self.answer


class SmtpServer:
    def __init__(self, port: int = 0):
        self._handler = _Keep()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=port or _free_port())

    @property
    def port(self) -> int:
        return self._controller.port

    @property
    def messages(self) -> list[Message]:
        return self._handler.messages

    def answer_data_with(self, reply: str) -> None:
        """The reply to DATA from now on. A message is kept even when refused: a server that took the mail
        but whose "250" never reached the sender looks like this to the sender."""
        self._handler.answer = reply

    def start(self) -> "SmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def wait_for(self, to: str, *, after: int = 0, timeout: float = 15.0) -> Message:
        """The first message to `to` among those received after the first `after` ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages[after:]:
                if to in message["To"]:
                    return message
            time.sleep(0.1)
        raise AssertionError(f"no email to {to} within {timeout}s")


def passcode_in(message: Message) -> str:
    match = re.search(r"\b(\d{6})\b", message.get_payload(decode=True).decode())
    assert match, "the email holds no 6-digit passcode"
    return match.group(1)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
