"""Sellers' sessions on the storefront: a signed cookie, nothing kept on the server.

The cookie holds the seller's id and when the session ends, with the HMAC-SHA256 of both under
the storefront's secret (`SHOPKEEP_SESSION_SECRET`, the one that signs form tokens, with its own
prefix so that neither can pass for the other). It is not the store API's access token: a
cookie lifted from a browser cannot be replayed against the API, nor a token used as a cookie.
The cookie is scoped to `/sell`, HttpOnly and SameSite=Lax. Logging out deletes it from the
browser; a session cannot be revoked on the server before it ends (`SESSION_HOURS`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta

from fastapi import Request, Response

from shopkeep.db import MAX_ID, utcnow
from shopkeep.signature import same_digest

COOKIE = "shopkeep_seller"
PATH = "/sell"
SESSION_HOURS = 12
_VERSION = "v1"
_VALUE = re.compile(r"v1\.([1-9][0-9]{0,9})\.([1-9][0-9]{0,11})\.([0-9a-f]{64})")


def _signature(secret: str, payload: str) -> str:
    message = b"seller-session:" + payload.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def encode(secret: str, seller_id: int, *, now: datetime | None = None) -> str:
    """A session value for `seller_id`, valid for SESSION_HOURS."""
    expires = int(((now or utcnow()) + timedelta(hours=SESSION_HOURS)).timestamp())
    payload = f"{_VERSION}.{seller_id}.{expires}"
    return f"{payload}.{_signature(secret, payload)}"


def decode(secret: str, value: str | None, *, now: datetime | None = None) -> int | None:
    """The seller id of a genuine, unexpired session value; None for anything else."""
    match = _VALUE.fullmatch(value or "")
    if match is None:
        return None
    seller_id, expires, signature = match.groups()
    payload = f"{_VERSION}.{seller_id}.{expires}"
    if not same_digest(_signature(secret, payload), signature):
        return None
    if int(expires) <= (now or utcnow()).timestamp() or int(seller_id) > MAX_ID:
        return None
    return int(seller_id)


def seller_id_of(request: Request, secret: str) -> int | None:
    return decode(secret, request.cookies.get(COOKIE))


def start(response: Response, request: Request, secret: str, seller_id: int) -> None:
    response.set_cookie(
        COOKIE,
        encode(secret, seller_id),
        max_age=SESSION_HOURS * 3600,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def end(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path=PATH, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
