"""Access tokens: JWTs signed with HS256, naming the account in `sub`.

Each kind of account has its own audience (`aud`): sellers' tokens have none (as they always
had), staff tokens `shopkeep:staff`, cart tokens `shopkeep:cart`. PyJWT refuses a token with
an audience when none is expected, and one without or with another when one is, so no kind of
token passes for another.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import jwt

from shopkeep.db import MAX_ID, utcnow

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub"]


class InvalidToken(Exception):
    """The token is malformed, forged, signed another way, for another audience, or lacks a
    required claim."""


class ExpiredToken(InvalidToken):
    pass


def issue_token(
    secret_key: str,
    account_id: int,
    *,
    audience: str | None,
    minutes: int,
    now: datetime | None = None,
) -> str:
    issued = now or utcnow()
    claims: dict[str, Any] = {
        "sub": str(account_id),
        "iat": issued,
        "exp": issued + timedelta(minutes=minutes),
    }
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def account_id_from_token(secret_key: str, token: str, *, audience: str | None) -> int:
    """The id of the account a valid, unexpired token for `audience` was issued to;
    InvalidToken otherwise.

    Only HS256 is accepted, whatever the token's header says, so neither `alg: none` nor a
    public-key algorithm fed our secret as a key can pass.
    """
    required = REQUIRED_CLAIMS if audience is None else [*REQUIRED_CLAIMS, "aud"]
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            audience=audience,
            options={"require": required},
        )
    except jwt.ExpiredSignatureError as error:
        raise ExpiredToken("expired") from error
    except jwt.InvalidTokenError as error:
        raise InvalidToken(str(error)) from error
    subject = claims["sub"]
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
        raise InvalidToken("the subject is not an account id")
    account_id = int(subject)
    if not 1 <= account_id <= MAX_ID:
        raise InvalidToken("the subject is not an account id")
    return account_id
