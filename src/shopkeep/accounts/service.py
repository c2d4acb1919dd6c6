"""Account rules shared by sellers and staff: usernames, creating an account, and the log-in
limiter's counter.

Usernames are unique within a kind whatever their case ("Alice" and "alice" are one account,
who logs in with either spelling); the spelling given at sign-up is the one shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shopkeep.accounts.models import USERNAME_MAX_LENGTH, AccountColumns, LoginAttempts
from shopkeep.db import MAX_ID, Tx, utcnow
from shopkeep.errors import BadRequest, Conflict, TooManyRequests

USERNAME_MIN_LENGTH = 3
USERNAME_PATTERN = rf"^[A-Za-z0-9_.-]{{{USERNAME_MIN_LENGTH},{USERNAME_MAX_LENGTH}}}$"
USERNAME_RULE = (
    f"{USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} characters: letters, digits, '_', '.' or '-'"
)
_USERNAME = re.compile(USERNAME_PATTERN)


class UsernameTaken(Conflict):
    def __init__(self) -> None:
        super().__init__("Username is already taken")


class TooManyLogins(TooManyRequests):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "Too many log-in attempts for this username; "
            f"try again in {retry_after_seconds} seconds",
            retry_after_seconds,
        )


@dataclass(frozen=True, slots=True)
class AccountKind:
    """One kind of account: its table, and the name its log-in attempts are counted under."""

    name: str
    model: type[AccountColumns]


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The account a session or an access token was issued to."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class StoredCredentials:
    account_id: int
    username: str
    password_hash: str


def is_username(value: str) -> bool:
    return _USERNAME.fullmatch(value) is not None


def check_username(username: str) -> None:
    if not is_username(username):
        raise BadRequest(f"Username must be {USERNAME_RULE}")


def username_key(username: str) -> str:
    """What uniqueness and log-in compare (usernames are ASCII, so SQL's lower() agrees)."""
    return username.lower()


def account_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "username": row.username, "created_at": row.created_at.isoformat()}


def account_columns(kind: AccountKind) -> tuple[Any, ...]:
    model = kind.model
    return (model.id, model.username, model.created_at)


async def username_taken(tx: Tx, kind: AccountKind, username: str) -> bool:
    model = kind.model
    found = await tx.scalar(select(model.id).where(model.username_key == username_key(username)))
    return found is not None


async def create_account(
    tx: Tx,
    kind: AccountKind,
    username: str,
    password_hash: str,
    *,
    values: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A new account with an already hashed password (and the kind's own columns, already
    validated, in `values`); UsernameTaken if the name is in use in any case."""
    check_username(username)
    model = kind.model
    insert_ = postgresql.insert if tx.dialect == "postgresql" else sqlite.insert
    row = (
        await tx.execute(
            insert_(model)
            .values(
                **(values or {}),
                username=username,
                password_hash=password_hash,
                created_at=now or utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[model.username_key])
            .returning(*account_columns(kind))
        )
    ).first()
    if row is None:
        raise UsernameTaken()
    return account_json(row)


async def signed_in(tx: Tx, kind: AccountKind, account_id: int) -> SignedIn | None:
    """The account of that id, if it exists."""
    if not 1 <= account_id <= MAX_ID:
        return None
    model = kind.model
    row = (await tx.execute(select(model.id, model.username).where(model.id == account_id))).first()
    return None if row is None else SignedIn(id=row.id, username=row.username)


async def start_login(
    tx: Tx,
    kind: AccountKind,
    username: str,
    *,
    limit: int,
    window: timedelta,
    now: datetime | None = None,
) -> StoredCredentials | None:
    """Count a log-in attempt for `username`, then return its stored credentials (None for an
    unknown username, which is counted all the same).

    The attempt is counted before the password is checked, in one atomic statement, so that
    concurrent guesses cannot slip past the limit. Past `limit` attempts within `window` of the
    first, TooManyLogins says when the window ends (and this attempt is not counted).
    """
    now = now or utcnow()
    key = username_key(username)
    insert_ = postgresql.insert if tx.dialect == "postgresql" else sqlite.insert
    statement = insert_(LoginAttempts).values(
        kind=kind.name, username_key=key, window_start=now, attempts=1
    )
    window_over = LoginAttempts.window_start <= now - window
    counted = (
        await tx.execute(
            statement.on_conflict_do_update(
                index_elements=[LoginAttempts.kind, LoginAttempts.username_key],
                set_={
                    "window_start": case(
                        (window_over, statement.excluded.window_start),
                        else_=LoginAttempts.window_start,
                    ),
                    "attempts": case((window_over, 1), else_=LoginAttempts.attempts + 1),
                },
            ).returning(LoginAttempts.window_start, LoginAttempts.attempts)
        )
    ).one()
    if counted.attempts > limit:
        remaining = (counted.window_start + window - now).total_seconds()
        raise TooManyLogins(max(1, math.ceil(remaining)))
    model = kind.model
    row = (
        await tx.execute(
            select(model.id, model.username, model.password_hash).where(model.username_key == key)
        )
    ).first()
    if row is None:
        return None
    return StoredCredentials(
        account_id=row.id, username=row.username, password_hash=row.password_hash
    )


async def finish_login(
    tx: Tx, kind: AccountKind, credentials: StoredCredentials, new_password_hash: str | None
) -> None:
    """After a correct password: the username's attempts start over, and a hash made with
    outdated parameters is replaced."""
    key = username_key(credentials.username)
    await tx.execute(
        delete(LoginAttempts).where(
            LoginAttempts.kind == kind.name, LoginAttempts.username_key == key
        )
    )
    if new_password_hash is not None:
        await tx.execute(
            update(kind.model)
            .where(kind.model.id == credentials.account_id)
            .values(password_hash=new_password_hash)
        )


async def forget_old_login_attempts(
    tx: Tx, *, window: timedelta, now: datetime | None = None
) -> int:
    """Drop counters whose window is over (they would start over anyway). Returns how many."""
    result = await tx.execute(
        delete(LoginAttempts).where(LoginAttempts.window_start <= (now or utcnow()) - window)
    )
    return int(getattr(result, "rowcount", 0) or 0)
