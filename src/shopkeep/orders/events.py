"""An order's history: every status change and every movement of money, with its time and
actor. Public events are the shopper's; the staff see them all."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import insert, select

from shopkeep.db import Tx, utcnow
from shopkeep.orders.models import OrderEvent

SYSTEM = "system"
PROVIDER = "provider"
CUSTOMER = "customer"


async def record(
    tx: Tx,
    order_id: str,
    kind: str,
    message: str,
    *,
    actor: str = SYSTEM,
    public: bool = True,
    data: dict[str, Any] | None = None,
) -> None:
    await tx.execute(
        insert(OrderEvent).values(
            order_id=order_id,
            at=utcnow(),
            kind=kind,
            actor=actor,
            public=public,
            message=message,
            data=None if data is None else orjson.dumps(data).decode(),
        )
    )


async def history(tx: Tx, order_id: str, *, public_only: bool = True) -> list[dict[str, Any]]:
    """The order's events, oldest first."""
    query = select(OrderEvent).where(OrderEvent.order_id == order_id)
    if public_only:
        query = query.where(OrderEvent.public.is_(True))
    rows = await tx.execute(query.order_by(OrderEvent.at, OrderEvent.id))
    return [
        {
            "at": row.at.isoformat(),
            "kind": row.kind,
            "actor": row.actor,
            "message": row.message,
            **(
                {}
                if public_only
                else {"public": row.public, "data": orjson.loads(row.data) if row.data else None}
            ),
        }
        for row in rows
    ]
