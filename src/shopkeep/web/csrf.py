"""Cross-site request forgery protection: a signed double-submit token.

Each browser holds a random value in an HttpOnly cookie; every form that changes something
carries the HMAC of that value under the server's secret. Another site can make a browser
send the cookie (SameSite=Lax already stops most of that), but it can neither read the cookie
nor compute the token without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from shopkeep.errors import ShopError
from shopkeep.signature import same_digest

COOKIE = "shopkeep_csrf"
FIELD = "csrf_token"
_SEED_LENGTH = 64  # hex characters: 256 random bits


class CsrfRefused(ShopError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "This form could not be accepted because it has expired or did not come from this "
            "shop. Nothing was changed: go back, reload the page and try again."
        )


def is_seed(value: str | None) -> bool:
    return (
        value is not None
        and len(value) == _SEED_LENGTH
        and all(c in "0123456789abcdef" for c in value)
    )


def seed(request: Request) -> str:
    """This browser's random value; a new one (to be set as a cookie) when it has none."""
    existing = request.cookies.get(COOKIE)
    if is_seed(existing):
        assert existing is not None
        return existing
    fresh: str | None = getattr(request.state, "new_csrf_seed", None)
    if fresh is None:
        fresh = new_seed()
        request.state.new_csrf_seed = fresh
    return fresh


def new_seed() -> str:
    return secrets.token_hex(_SEED_LENGTH // 2)


def token(secret: str, seed_value: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + seed_value.encode(), hashlib.sha256).hexdigest()


def check(request: Request, secret: str, submitted: str | None) -> None:
    """Raise CsrfRefused unless `submitted` is the token of this browser's cookie."""
    cookie = request.cookies.get(COOKIE)
    if not is_seed(cookie) or not submitted:
        raise CsrfRefused()
    assert cookie is not None
    if not same_digest(token(secret, cookie), submitted):
        raise CsrfRefused()
