"""Where mail goes: an SMTP server (`SHOPKEEP_SMTP_URL`), or, with none configured, one `.eml`
file per message in `<data dir>/mail/` so that a new shop sees exactly what it would send."""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from shopkeep.config import Settings

TRUE = frozenset({"1", "true", "yes", "on"})


class Transport(Protocol):
    async def send(self, message: EmailMessage, *, mail_id: str, sender: str, to: str) -> str:
        """Hand the message over; returns how it went (`smtp` or `file`)."""
        ...

    def describe(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool


def parse_smtp_url(url: str) -> SmtpServer:
    """`smtp://user:pass@host:port` (`?starttls=1` to upgrade the connection) or `smtps://...`
    (TLS from the first byte)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("SHOPKEEP_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("SHOPKEEP_SMTP_URL names no host")
    use_tls = parts.scheme == "smtps"
    query = parse_qs(parts.query)
    start_tls = not use_tls and query.get("starttls", ["0"])[0].lower() in TRUE
    default_port = 465 if use_tls else 587 if start_tls else 25
    return SmtpServer(
        hostname=parts.hostname,
        port=parts.port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=start_tls,
    )


class SmtpTransport:
    def __init__(self, server: SmtpServer, *, timeout: float) -> None:
        self.server = server
        self.timeout = timeout

    async def send(self, message: EmailMessage, *, mail_id: str, sender: str, to: str) -> str:
        server = self.server
        await aiosmtplib.send(
            message,
            sender=sender,
            recipients=[to],
            hostname=server.hostname,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            start_tls=server.start_tls,
            timeout=self.timeout,
        )
        return "smtp"

    def describe(self) -> str:
        security = (
            " (TLS)" if self.server.use_tls else " (STARTTLS)" if self.server.start_tls else ""
        )
        return f"SMTP server {self.server.hostname}:{self.server.port}{security}"


class FileTransport:
    """One file per message, named after its id: writing it again replaces it whole."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_of(self, mail_id: str) -> Path:
        return self.directory / f"{mail_id}.eml"

    async def send(self, message: EmailMessage, *, mail_id: str, sender: str, to: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path_of(mail_id)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.write_bytes(message.as_bytes())
        os.replace(draft, path)
        return "file"

    def describe(self) -> str:
        return f"files in {self.directory.resolve()} (no SHOPKEEP_SMTP_URL set)"


def mail_directory(settings: Settings) -> Path:
    return settings.data_dir / "mail"


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(
            parse_smtp_url(settings.smtp_url), timeout=settings.smtp_timeout_seconds
        )
    return FileTransport(mail_directory(settings))
