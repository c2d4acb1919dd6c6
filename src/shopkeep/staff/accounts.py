"""Creating staff accounts: the sellers' password rules and hashing
(`shopkeep.accounts.logins`), over the staff table. Staff log in through the same logins."""

from __future__ import annotations

from typing import Any

from shopkeep.accounts import logins
from shopkeep.db import Database
from shopkeep.staff.service import STAFF


async def create_staff(database: Database, username: str, password: str) -> dict[str, Any]:
    """A new staff member; UsernameTaken (409) when the username is in use in any case."""
    return await logins.sign_up(database, STAFF, username, password)
