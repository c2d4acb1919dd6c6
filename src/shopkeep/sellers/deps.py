"""`CurrentSeller`: the seller named by the request's bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from shopkeep.errors import Unauthorized
from shopkeep.sellers import service, tokens
from shopkeep.sellers.service import SignedInSeller
from shopkeep.store.deps import DatabaseDep, SettingsDep

# `tokenUrl` lets the "Authorize" button of /docs log in with the password flow.
bearer_token = OAuth2PasswordBearer(tokenUrl="auth/token", auto_error=False)


async def current_seller(
    database: DatabaseDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(bearer_token)],
) -> SignedInSeller:
    """401 (with `WWW-Authenticate: Bearer`) unless the token is valid, unexpired and names a
    seller who exists."""
    if not token:
        raise Unauthorized(
            "Not authenticated: send a seller's access token as `Authorization: Bearer <token>` "
            "(POST /auth/token with your username and password gives one)"
        )
    try:
        seller_id = tokens.seller_id_from_token(settings.resolved_secret_key, token)
    except tokens.ExpiredToken as error:
        raise Unauthorized("Access token has expired; log in again") from error
    except tokens.InvalidToken as error:
        raise Unauthorized("Invalid access token") from error
    seller = await database.read(service.signed_in_seller, seller_id)
    if seller is None:
        raise Unauthorized("Invalid access token")
    return seller


CurrentSeller = Annotated[SignedInSeller, Depends(current_seller)]
