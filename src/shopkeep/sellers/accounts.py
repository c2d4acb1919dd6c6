"""Signing up and logging in as a seller, by the rules every account shares (see
`shopkeep.accounts.logins`: password work runs between transactions, never inside one)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shopkeep.accounts import logins
from shopkeep.accounts.logins import BadCredentials
from shopkeep.db import Database
from shopkeep.sellers.service import SELLERS, SignedInSeller

__all__ = ["BadCredentials", "log_in", "sign_up"]


async def sign_up(
    database: Database, username: str, password: str, email: str | None = None
) -> dict[str, Any]:
    """A new seller (with an already validated email address, if any); UsernameTaken (409)
    when the username is in use in any case."""
    return await logins.sign_up(database, SELLERS, username, password, {"email": email})


async def log_in(
    database: Database,
    username: str,
    password: str,
    *,
    limit: int,
    window: timedelta,
    now: datetime | None = None,
) -> SignedInSeller:
    """The seller whose username and password these are; BadCredentials (401) otherwise, or
    TooManyLogins (429) past `limit` attempts for the username within `window`."""
    return await logins.log_in(
        database, SELLERS, username, password, limit=limit, window=window, now=now
    )
