"""`Idempotency-Key`: a request repeated under the same key gets what the first one made.

The key row is inserted before the work, in the same transaction, with "insert if absent": of
requests racing with one key, one inserts it and does the work; on PostgreSQL the others wait
for its commit and then find the row, on SQLite writers already take turns. A failed request
rolls its key back with everything else, so it can be tried again.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shopkeep.db import Tx, utcnow
from shopkeep.errors import Conflict
from shopkeep.sandbox.models import IdempotencyKey

MAX_KEY = 255


class KeyReused(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used with a different request; "
            "use a new key for a new request."
        )


def digest(request: dict[str, Any]) -> str:
    """A fingerprint of what a request asks for (its fields, in a canonical order)."""
    return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def claim(tx: Tx, scope: str, key: str, request_digest: str, resource_id: str) -> str | None:
    """Take `key` for a request that will make `resource_id`: None when taken now (do the work),
    or the id the key's first request made (do nothing). Another request under a used key is
    refused (`KeyReused`)."""
    dialect_insert = pg_insert if tx.dialect == "postgresql" else sqlite_insert
    inserted = await tx.execute(
        dialect_insert(IdempotencyKey)
        .values(
            scope=scope,
            key=key,
            request_digest=request_digest,
            resource_id=resource_id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[IdempotencyKey.scope, IdempotencyKey.key])
    )
    if inserted.rowcount:
        return None
    first = (
        await tx.execute(
            select(IdempotencyKey.request_digest, IdempotencyKey.resource_id).where(
                IdempotencyKey.scope == scope, IdempotencyKey.key == key
            )
        )
    ).one()
    if first.request_digest != request_digest:
        raise KeyReused()
    resource: str = first.resource_id
    return resource
