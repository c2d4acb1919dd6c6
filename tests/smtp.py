"""A real SMTP server on loopback (aiosmtpd, in a thread of its own) that keeps what it
receives, for the tests of the shop's emails."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.postgres import free_port

WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        content: str = body.get_content()  # type: ignore[attr-defined]
        return content


class Inbox:
    """aiosmtpd's handler: every message accepted, kept in arrival order. `hold` makes the
    server wait before answering DATA (to catch a sender in the middle of a batch)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.changed = threading.Condition()
        self.hold: Callable[[Received], bool] | None = None
        self.released = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), message)
        with self.changed:
            self.received.append(received)
            self.changed.notify_all()
        if self.hold is not None and self.hold(received):
            await asyncio.to_thread(self.released.wait)
        return "250 Message accepted"

    def wait_for(self, count: int, seconds: float = WAIT_SECONDS) -> list[Received]:
        """Block until `count` messages have arrived (fails after `seconds`)."""
        with self.changed:
            arrived = self.changed.wait_for(lambda: len(self.received) >= count, seconds)
            assert arrived, f"{len(self.received)} of {count} messages arrived"
            return list(self.received)

    async def arrived(self, count: int, seconds: float = WAIT_SECONDS) -> list[Received]:
        return await asyncio.to_thread(self.wait_for, count, seconds)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.inbox.released.set()
            self.controller.stop()
            self.controller = None


@contextmanager
def smtp_server(*, started: bool = True) -> Iterator[SmtpServer]:
    server = SmtpServer("127.0.0.1", free_port(), Inbox())
    if started:
        server.start()
    try:
        yield server
    finally:
        server.stop()
