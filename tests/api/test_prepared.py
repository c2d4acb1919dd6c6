"""Hot statements (`shopkeep.db.Prepared`) read and write as SQLAlchemy's own execution does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from shopkeep.carts.models import Cart
from shopkeep.carts.service import new_id
from shopkeep.db import Database, Prepared, Tx, utcnow
from shopkeep.orders.models import Order

INSERT_ORDER = Prepared(insert(Order))
ORDER_ROW = Prepared(
    select(
        Order.id, Order.total_cents, Order.currency, Order.needs_attention, Order.expires_at
    ).where(Order.id == bindparam("order_id"))
)
SET_TOTAL = Prepared(
    update(Order).where(Order.id == bindparam("order_id")).values(total_cents=bindparam("total"))
)


async def test_a_prepared_statement_reads_and_writes_as_sqlalchemy_does(
    database: Database,
) -> None:
    now = utcnow()
    order_id, cart_id = new_id(), new_id()

    async def place(tx: Tx) -> tuple[list[Any], list[Any], int, int]:
        await tx.execute(
            insert(Cart).values(id=cart_id, status="open", created_at=now, updated_at=now)
        )
        # currency, needs_attention and the money columns left to their defaults
        await tx.run(
            INSERT_ORDER,
            {
                "id": order_id,
                "cart_id": cart_id,
                "status": "pending_payment",
                "total_cents": 1234,
                "created_at": now,
                "updated_at": now,
                "expires_at": now + timedelta(minutes=30),
            },
        )
        changed = (await tx.run(SET_TOTAL, {"order_id": order_id, "total": 999})).rowcount
        unknown = (await tx.run(SET_TOTAL, {"order_id": new_id(), "total": 1})).rowcount
        prepared = list((await tx.run(ORDER_ROW, {"order_id": order_id})).all())
        plain = list((await tx.execute(ORDER_ROW.statement, {"order_id": order_id})).all())
        return prepared, plain, changed, unknown

    prepared, plain, changed, unknown = await database.write(place)
    assert (changed, unknown) == (1, 0)
    assert [tuple(row) for row in prepared] == [tuple(row) for row in plain]
    row = prepared[0]
    assert (row.id, row.total_cents, row.currency, row.needs_attention) == (
        order_id,
        999,
        "USD",
        False,
    )
    assert row.expires_at == now + timedelta(minutes=30)
    assert row.expires_at.utcoffset() == timedelta(0)

    async def place_again(tx: Tx) -> None:
        values = {"id": order_id, "cart_id": cart_id, "status": "pending_payment"}
        await tx.run(
            INSERT_ORDER,
            {**values, "total_cents": 1, "created_at": now, "updated_at": now, "expires_at": now},
        )

    with pytest.raises(IntegrityError):
        await database.write(place_again)
