"""The orders export streams: 100,000 orders go out in chunks, never held in memory at once,
and a name that a spreadsheet would run as a formula goes out as text."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
from datetime import timedelta

import pytest
from sqlalchemy import insert

from shopkeep.admin.export import HEADER, orders_csv
from shopkeep.admin.orders import OrderFilter
from shopkeep.carts.models import CART_CLOSED, Cart
from shopkeep.db import Database, Tx, utcnow
from shopkeep.orders.models import PAID, Order, OrderLine

ORDERS = 100_000
BATCH = 10_000
# What the export may allocate at its peak, whatever the number of orders: a chunk's rows and
# text (the whole export is about 15 MB of text, and more as rows).
MEMORY_BOUND = 4 * 1024 * 1024
FORMULAS = ("=SUM(A1:A9)", "+1 battery", "-2 off", "@cmd", "\tTab", "\rReturn")
KEYBOARD = 3
CART = "c" * 32


def order_id(n: int) -> str:
    return f"{n:032x}"


def line_name(n: int) -> str:
    """Every 1,000th order's line is named like a formula."""
    return FORMULAS[(n // 1000) % len(FORMULAS)] if n % 1000 == 0 else f"Keyboard {n}"


async def insert_orders(database: Database) -> None:
    """100,000 paid orders of one line each, written in a few large statements."""
    now = utcnow()

    async def cart(tx: Tx) -> None:
        await tx.execute(
            insert(Cart).values(id=CART, status=CART_CLOSED, created_at=now, updated_at=now)
        )

    await database.write(cart)
    for start in range(0, ORDERS, BATCH):
        numbers = range(start, start + BATCH)

        async def batch(tx: Tx, numbers: range = numbers) -> None:
            await tx.execute(
                insert(Order),
                [
                    {
                        "id": order_id(n),
                        "cart_id": CART,
                        "status": PAID,
                        "total_cents": 8999,
                        "currency": "USD",
                        "created_at": now - timedelta(seconds=n),
                        "updated_at": now,
                        "expires_at": now,
                    }
                    for n in numbers
                ],
            )
            await tx.execute(
                insert(OrderLine),
                [
                    {
                        "order_id": order_id(n),
                        "product_id": KEYBOARD,
                        "name": line_name(n),
                        "unit_price_cents": 8999,
                        "quantity": 1,
                    }
                    for n in numbers
                ],
            )

        await database.write(batch)


# Measured on SQLite only: on PostgreSQL the same code takes a minute more under tracemalloc.
# The chunking itself is proven on both by tests/admin/test_admin_api.py.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_exporting_100000_orders_stays_under_a_fixed_memory_bound(
    database: Database,
) -> None:
    started = time.monotonic()
    await insert_orders(database)
    inserted = time.monotonic()
    rows = 0
    formulas: dict[str, str] = {}
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        async for piece in orders_csv(database, OrderFilter(status=PAID)):
            # Each piece is whole rows: read it and let it go.
            for row in csv.reader(io.StringIO(piece.decode(), newline="")):
                if row[0] == "order_id":
                    assert tuple(row) == HEADER
                    continue
                rows += 1
                if not row[6].startswith("Keyboard"):
                    formulas[row[0]] = row[6]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    exported = time.monotonic()

    assert rows == ORDERS
    assert peak < MEMORY_BOUND, f"the export peaked at {peak:,} bytes"
    assert len(formulas) == ORDERS // 1000
    for n in range(0, ORDERS, 1000):
        assert formulas[order_id(n)] == "'" + line_name(n), n
    print(
        f"\n{database.dialect}: inserted {ORDERS:,} orders in {inserted - started:.1f} s, "
        f"exported them in {exported - inserted:.1f} s, peak {peak / 1e6:.2f} MB"
    )
