"""Cart tokens: bearer tokens that open one cart, for clients of seed 002's `/api`.

A cart token is a JWT signed with HS256 and the key of sellers' access tokens, naming the cart
in `sub` and carrying the audience `AUDIENCE`. Sellers' tokens have no audience, and PyJWT
refuses a token with an audience when none is expected, so neither kind passes for the other.

Cart tokens do not expire: seed 002 gives a cart's token once, when the cart is made, and has no
way to ask for another. A token stops working when its cart is deleted or checked out.
"""

from __future__ import annotations

from datetime import datetime

import jwt

from shopkeep.carts.service import is_id
from shopkeep.db import utcnow

ALGORITHM = "HS256"
AUDIENCE = "shopkeep:cart"
REQUIRED_CLAIMS = ["aud", "iat", "sub"]


class InvalidCartToken(Exception):
    """Malformed, forged, signed another way, not a cart token, or lacking a claim."""


def issue_cart_token(secret_key: str, cart_id: str, *, now: datetime | None = None) -> str:
    claims = {"sub": cart_id, "aud": AUDIENCE, "iat": now or utcnow()}
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def cart_id_from_token(secret_key: str, token: str) -> str:
    """The id of the cart a valid cart token opens; InvalidCartToken otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.InvalidTokenError as error:
        raise InvalidCartToken(str(error)) from error
    subject = claims["sub"]
    if not (isinstance(subject, str) and is_id(subject)):
        raise InvalidCartToken("the subject is not a cart id")
    return subject
