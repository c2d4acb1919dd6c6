"""The account named by a request's bearer token, for one kind of account."""

# No `from __future__ import annotations`: FastAPI must see the dependency's annotations as
# objects, and they name a scheme made inside `bearer_account`.

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from shopkeep.accounts import service, tokens
from shopkeep.accounts.service import AccountKind, SignedIn
from shopkeep.deps import DatabaseDep, SettingsDep
from shopkeep.errors import Unauthorized


def bearer_account(
    kind: AccountKind, *, audience: str | None, token_url: str, what: str
) -> Callable[..., Awaitable[SignedIn]]:
    """A dependency answering the `kind` account of the request's bearer token, or 401 (with
    `WWW-Authenticate: Bearer`) saying what to send. `token_url` (relative to the app's root)
    is where a token is had, for the "Authorize" button of /docs; `what` names the token."""
    # The scheme name tells /docs which log-in serves which endpoints.
    bearer = OAuth2PasswordBearer(
        tokenUrl=token_url, auto_error=False, scheme_name=f"{kind.name.capitalize()}Token"
    )
    send = f"send 'Authorization: Bearer <token>' with {what} from POST /{token_url}"

    async def current_account(
        database: DatabaseDep,
        settings: SettingsDep,
        token: Annotated[str | None, Depends(bearer)],
    ) -> SignedIn:
        if not token:
            raise Unauthorized(f"Not authenticated: {send}")
        try:
            account_id = tokens.account_id_from_token(
                settings.resolved_secret_key, token, audience=audience
            )
        except tokens.ExpiredToken as error:
            raise Unauthorized(f"Access token has expired: log in again and {send}") from error
        except tokens.InvalidToken as error:
            raise Unauthorized(f"Invalid access token: {send}") from error
        account = await database.read(service.signed_in, kind, account_id)
        if account is None:
            raise Unauthorized(f"Invalid access token: {send}")
        return account

    return current_account
