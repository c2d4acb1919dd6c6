"""`AuthorizedCart`: the shopping cart in the path, when the request's bearer token opens it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shopkeep.carts import tokens
from shopkeep.errors import Unauthorized
from shopkeep.store.deps import SettingsDep

cart_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="CartToken",
    description="The `auth_token` that `POST /api/shopping_cart` returned with the cart.",
)


async def authorized_cart(
    settings: SettingsDep,
    shopping_cart_id: Annotated[str, Path()],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(cart_bearer)],
) -> str:
    """401 (with `WWW-Authenticate: Bearer`) unless the token is this cart's. Checked before the
    database is read, so a request without the right token learns nothing about the cart."""
    if credentials is None:
        raise Unauthorized("Not authenticated: send the cart's auth_token as a Bearer token")
    try:
        cart_id = tokens.cart_id_from_token(settings.resolved_secret_key, credentials.credentials)
    except tokens.InvalidCartToken as error:
        raise Unauthorized("Invalid shopping cart token") from error
    if cart_id != shopping_cart_id:
        raise Unauthorized("This token belongs to another shopping cart")
    return cart_id


AuthorizedCart = Annotated[str, Depends(authorized_cart)]
