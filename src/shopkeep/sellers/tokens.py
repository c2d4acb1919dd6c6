"""Sellers' access tokens: JWTs signed with HS256, naming the seller in `sub`, without an
audience (see `shopkeep.accounts.tokens`)."""

from __future__ import annotations

from datetime import datetime

from shopkeep.accounts.tokens import ExpiredToken, InvalidToken, account_id_from_token
from shopkeep.accounts.tokens import issue_token as _issue_token

__all__ = ["ExpiredToken", "InvalidToken", "issue_token", "seller_id_from_token"]


def issue_token(
    secret_key: str, seller_id: int, *, minutes: int, now: datetime | None = None
) -> str:
    return _issue_token(secret_key, seller_id, audience=None, minutes=minutes, now=now)


def seller_id_from_token(secret_key: str, token: str) -> int:
    """The id of the seller a valid, unexpired seller token was issued to; InvalidToken
    otherwise (a staff or cart token included)."""
    return account_id_from_token(secret_key, token, audience=None)
