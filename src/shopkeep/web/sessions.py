"""Portal sessions on the storefront (sellers at `/sell`, staff at `/admin`): a signed cookie,
nothing kept on the server.

The cookie holds the account's id and when the session ends, with the HMAC-SHA256 of both under
the storefront's secret (`SHOPKEEP_SESSION_SECRET`, the one that signs form tokens, with a
prefix of each portal's own so that none can pass for another, nor for a form token). It is
not the store API's access token: a cookie lifted from a browser cannot be replayed against the
API, nor a token used as a cookie. Each portal's cookie has its own name and is scoped to the
portal's path, HttpOnly and SameSite=Lax (and Secure over https): a seller's cookie is never
even sent to `/admin`, and would not be read there if it were. Logging out deletes it from the
browser; a session cannot be revoked on the server before it ends (`SESSION_HOURS`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request, Response

from shopkeep.db import MAX_ID, utcnow
from shopkeep.signature import same_digest

SESSION_HOURS = 12
_VERSION = "v1"
_VALUE = re.compile(r"v1\.([1-9][0-9]{0,9})\.([1-9][0-9]{0,11})\.([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class SessionCookie:
    """One portal's session cookie: its name, the path it is scoped to, and the prefix its
    signatures are made under."""

    name: str
    path: str
    signing_prefix: bytes

    def _signature(self, secret: str, payload: str) -> str:
        message = self.signing_prefix + payload.encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

    def encode(self, secret: str, account_id: int, *, now: datetime | None = None) -> str:
        """A session value for `account_id`, valid for SESSION_HOURS."""
        expires = int(((now or utcnow()) + timedelta(hours=SESSION_HOURS)).timestamp())
        payload = f"{_VERSION}.{account_id}.{expires}"
        return f"{payload}.{self._signature(secret, payload)}"

    def decode(self, secret: str, value: str | None, *, now: datetime | None = None) -> int | None:
        """The account id of a genuine, unexpired session value; None for anything else."""
        match = _VALUE.fullmatch(value or "")
        if match is None:
            return None
        account_id, expires, signature = match.groups()
        payload = f"{_VERSION}.{account_id}.{expires}"
        if not same_digest(self._signature(secret, payload), signature):
            return None
        if int(expires) <= (now or utcnow()).timestamp() or int(account_id) > MAX_ID:
            return None
        return int(account_id)

    def account_id_of(self, request: Request, secret: str) -> int | None:
        return self.decode(secret, request.cookies.get(self.name))

    def start(self, response: Response, request: Request, secret: str, account_id: int) -> None:
        response.set_cookie(
            self.name,
            self.encode(secret, account_id),
            max_age=SESSION_HOURS * 3600,
            path=self.path,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def end(self, response: Response, request: Request) -> None:
        response.delete_cookie(
            self.name,
            path=self.path,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


SELLER = SessionCookie("shopkeep_seller", "/sell", b"seller-session:")
STAFF = SessionCookie("shopkeep_staff", "/admin", b"staff-session:")

# The seller's session under the names it has always had.
COOKIE = SELLER.name
PATH = SELLER.path
encode = SELLER.encode
decode = SELLER.decode
