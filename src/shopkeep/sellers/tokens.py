"""Sellers' access tokens: JWTs signed with HS256, naming the seller in `sub`."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

from shopkeep.db import MAX_ID, utcnow

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub"]


class InvalidToken(Exception):
    """The token is malformed, forged, signed another way, or lacks a required claim."""


class ExpiredToken(InvalidToken):
    pass


def issue_token(
    secret_key: str, seller_id: int, *, minutes: int, now: datetime | None = None
) -> str:
    issued = now or utcnow()
    claims = {"sub": str(seller_id), "iat": issued, "exp": issued + timedelta(minutes=minutes)}
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def seller_id_from_token(secret_key: str, token: str) -> int:
    """The id of the seller a valid, unexpired token was issued to; InvalidToken otherwise.

    Only HS256 is accepted, whatever the token's header says, so neither `alg: none` nor a
    public-key algorithm fed our secret as a key can pass.
    """
    try:
        claims = jwt.decode(
            token, secret_key, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS}
        )
    except jwt.ExpiredSignatureError as error:
        raise ExpiredToken("expired") from error
    except jwt.InvalidTokenError as error:
        raise InvalidToken(str(error)) from error
    subject = claims["sub"]
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
        raise InvalidToken("the subject is not a seller id")
    seller_id = int(subject)
    if not 1 <= seller_id <= MAX_ID:
        raise InvalidToken("the subject is not a seller id")
    return seller_id
