"""Staff access tokens: like sellers' (HS256, `sub`, `iat`, `exp`), with the audience
`shopkeep:staff`, so that neither passes for the other (nor for a cart token)."""

from __future__ import annotations

from datetime import datetime

from shopkeep.accounts.tokens import issue_token

AUDIENCE = "shopkeep:staff"


def issue_staff_token(
    secret_key: str, staff_id: int, *, minutes: int, now: datetime | None = None
) -> str:
    return issue_token(secret_key, staff_id, audience=AUDIENCE, minutes=minutes, now=now)
