"""Signed webhooks: `Shopkeep-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The MAC covers `"<t>.<raw body>"`, so neither the body nor the timestamp can be altered, and a
captured delivery cannot be replayed once the tolerance window has passed. The payment sandbox
signs with `sign`; the store checks with `verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Shopkeep-Signature"
TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """The signature header is missing, malformed, wrong, or too old."""


def same_digest(expected: str, given: str) -> bool:
    """Whether `given` (whatever a client sent: any characters, any length) is `expected`,
    compared as bytes in the same time wherever they differ. `hmac.compare_digest` refuses
    text outside ASCII with a TypeError; bytes it takes all."""
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogateescape"), given.encode("utf-8", "surrogateescape")
    )


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The header value for `body`, signed now (or at `timestamp`)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_mac(secret, t, body)}"


def verify(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise InvalidSignature unless `header` is a valid, fresh signature of `body`."""
    if not header:
        raise InvalidSignature(f"Missing {HEADER} header.")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        # ASCII digits only: str.isdigit() also takes '²', which int() refuses.
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature(f"Malformed {HEADER} header.")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise InvalidSignature("Signature timestamp is outside the allowed window.")
    expected = _mac(secret, timestamp, body)
    if not any(same_digest(expected, candidate) for candidate in candidates):
        raise InvalidSignature("Signature does not match.")
