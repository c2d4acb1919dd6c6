"""Creating accounts and logging in: password work runs between transactions, never inside one.

These take the `Database` rather than a transaction because Argon2 takes tens of milliseconds
of CPU: holding a transaction meanwhile would hold up every other write (on SQLite, all writes
of the process share one transaction at a time).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from shopkeep.accounts import passwords, service, tokens
from shopkeep.accounts.schemas import LogInForm
from shopkeep.accounts.service import AccountKind, SignedIn, StoredCredentials
from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.errors import BadRequest, Unauthorized


class BadCredentials(Unauthorized):
    def __init__(self) -> None:
        super().__init__("Incorrect username or password")


async def sign_up(
    database: Database,
    kind: AccountKind,
    username: str,
    password: str,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A new account (with the kind's own columns, already validated, in `values`);
    UsernameTaken (409) when the username is in use in any case."""
    service.check_username(username)
    try:
        passwords.check_password(password)
    except ValueError as error:
        raise BadRequest(str(error)) from error
    if await database.read(service.username_taken, kind, username):
        raise service.UsernameTaken()  # without spending a hash on it
    password_hash = await passwords.hash_password(password)
    return await database.write(
        service.create_account, kind, username, password_hash, values=values
    )


async def log_in(
    database: Database,
    kind: AccountKind,
    username: str,
    password: str,
    *,
    limit: int,
    window: timedelta,
    now: datetime | None = None,
) -> SignedIn:
    """The account whose username and password these are; BadCredentials (401) otherwise, or
    TooManyLogins (429) past `limit` attempts for the username within `window`.

    An unknown username costs the same work as a known one: the attempt is counted and a
    password is verified.
    """
    credentials: StoredCredentials | None = None
    if service.is_username(username):  # nothing else can be an account's name
        credentials = await database.write(
            service.start_login, kind, username, limit=limit, window=window, now=now
        )
    valid, new_hash = await passwords.verify_password(
        password, credentials.password_hash if credentials else None
    )
    if credentials is None or not valid:
        raise BadCredentials()
    await database.write(service.finish_login, kind, credentials, new_hash)
    return SignedIn(id=credentials.account_id, username=credentials.username)


async def token_for_log_in(
    database: Database,
    settings: Settings,
    kind: AccountKind,
    form: LogInForm,
    *,
    audience: str | None,
) -> dict[str, str]:
    """The OAuth2 password flow's answer: an access token for `audience` when the form's
    username and password are a `kind` account's (the errors of `log_in` otherwise)."""
    account = await log_in(
        database,
        kind,
        form.username,
        form.password,
        limit=settings.login_attempts,
        window=timedelta(seconds=settings.login_window_seconds),
    )
    token = tokens.issue_token(
        settings.resolved_secret_key, account.id, audience=audience, minutes=settings.token_minutes
    )
    return {"access_token": token, "token_type": "bearer"}
