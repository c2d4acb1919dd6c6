"""Creating staff accounts and logging staff in: the sellers' password rules, hashing and
log-in limiter (`shopkeep.accounts.logins`), over the staff table."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shopkeep.accounts import logins
from shopkeep.db import Database
from shopkeep.staff.service import STAFF, SignedInStaff


async def create_staff(database: Database, username: str, password: str) -> dict[str, Any]:
    """A new staff member; UsernameTaken (409) when the username is in use in any case."""
    return await logins.sign_up(database, STAFF, username, password)


async def log_in(
    database: Database,
    username: str,
    password: str,
    *,
    limit: int,
    window: timedelta,
    now: datetime | None = None,
) -> SignedInStaff:
    """The staff member whose username and password these are; BadCredentials (401)
    otherwise, or TooManyLogins (429) past `limit` attempts for the username within `window`."""
    return await logins.log_in(
        database, STAFF, username, password, limit=limit, window=window, now=now
    )
