"""Settings, read from `SHOPKEEP_*` environment variables."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shopkeep.db import DEFAULT_POOL_SIZE, Database, create_database

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "placeholder"})
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPKEEP_", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str | None = None
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "FULL"
    # PostgreSQL connections each process keeps open (and a quarter more at busy moments):
    # a pool smaller than the requests in flight opens and closes connections all the time.
    db_pool_size: int = Field(default=DEFAULT_POOL_SIZE, ge=1, le=1000)

    # Memory for catalog responses kept by each store process (see store/response_cache.py).
    catalog_cache_mb: int = Field(default=16, ge=0, le=4096)

    order_ttl_minutes: int = Field(default=30, ge=1)
    expire_interval_seconds: float = Field(default=60.0, gt=0)

    webhook_secret: str | None = None
    allow_unsigned_webhooks: bool = False
    # Signs the storefront's form tokens (CSRF); generated into the data dir when unset.
    session_secret: str | None = None

    secret_key: str | None = None
    token_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    login_attempts: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=60, ge=1)

    # Operations: log lines as text or JSON, an access line per request, and how long a
    # SIGTERM waits for requests and background jobs in flight.
    log_format: Literal["text", "json"] = "text"
    access_log: bool = False
    shutdown_timeout_seconds: float = Field(default=20.0, gt=0, le=3600)

    host: str = "127.0.0.1"
    store_port: int = 8000
    web_port: int = 3000
    payments_port: int = 5000
    store_url: str = "http://127.0.0.1:8000"
    payments_url: str = "http://127.0.0.1:5000"

    # The payment sandbox: its own database, and how it delivers callbacks to the store.
    sandbox_database_url: str | None = None
    merchant_name: str = Field(default="Shopkeep", min_length=1, max_length=100)
    callback_timeout_seconds: float = Field(default=10.0, gt=0)
    callback_first_retry_seconds: float = Field(default=1.0, gt=0)
    callback_max_retry_seconds: float = Field(default=300.0, gt=0)
    callback_retry_hours: float = Field(default=24.0, gt=0)

    # Email (SPEC §12): SMTP when configured, else .eml files in `<data dir>/mail/`.
    smtp_url: str | None = None
    mail_from: str = Field(default="Shopkeep <shop@localhost>", min_length=3, max_length=300)
    shop_email: str | None = None
    # The storefront's address, for the links in emails.
    public_url: str = "http://127.0.0.1:3000"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_lease_seconds: float = Field(default=120.0, gt=0)
    mail_first_retry_seconds: float = Field(default=5.0, gt=0)
    mail_max_retry_seconds: float = Field(default=900.0, gt=0)
    mail_retry_hours: float = Field(default=72.0, gt=0)
    mail_poll_seconds: float = Field(default=1.0, gt=0)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'shopkeep.db').resolve()}"

    @property
    def resolved_sandbox_database_url(self) -> str:
        if self.sandbox_database_url:
            return self.sandbox_database_url
        return f"sqlite:///{(self.data_dir / 'sandbox.db').resolve()}"

    def open_database(self, url: str | None = None) -> Database:
        """The database at `url` (the store's by default), with these settings' sync mode and
        pool size."""
        return create_database(
            url or self.resolved_database_url,
            sqlite_synchronous=self.sqlite_synchronous,
            pool_size=self.db_pool_size,
        )

    @cached_property
    def resolved_webhook_secret(self) -> str:
        if self.webhook_secret is not None:
            return checked_secret(self.webhook_secret, "SHOPKEEP_WEBHOOK_SECRET")
        return stored_secret(self.data_dir / "webhook_secret")

    @cached_property
    def resolved_secret_key(self) -> str:
        """The key that signs sellers' access tokens."""
        if self.secret_key is not None:
            return checked_secret(self.secret_key, "SHOPKEEP_SECRET_KEY")
        return stored_secret(self.data_dir / "secret_key")

    @cached_property
    def resolved_session_secret(self) -> str:
        if self.session_secret is not None:
            return checked_secret(self.session_secret, "SHOPKEEP_SESSION_SECRET")
        return stored_secret(self.data_dir / "session_secret")


def checked_secret(value: str, name: str) -> str:
    if value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{name} must be a random value of at least {MIN_SECRET_LENGTH} characters."
        )
    return value


def stored_secret(path: Path) -> str:
    """Read a secret kept in the data directory, generating it on first use.

    The secret is written whole to a private file and then linked into place, which fails if
    the name exists: when several processes start together, exactly one secret wins and no
    process can read a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.touch(mode=0o600)
        draft.write_text(secrets.token_hex(32), encoding="ascii")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()
