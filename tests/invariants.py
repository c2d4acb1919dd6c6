"""Checks of the inventory invariants (SPEC §4, §13), read straight from the database.

Per product, at every moment: initial stock = stock on the shelf + units held by orders that are
`pending_payment` or `paid`; and Σ its stock movements = its stock (every change is logged).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from shopkeep.catalog.models import Product
from shopkeep.db import Database, Tx
from shopkeep.inventory import service as inventory
from shopkeep.inventory.models import StockMovement
from shopkeep.orders.models import HOLDING_STOCK, PENDING_PAYMENT, Order, OrderLine


async def stock_levels(database: Database) -> dict[int, int]:
    """Every product's stock on the shelf: the `initial` of a later invariant check."""

    async def read(tx: Tx) -> dict[int, int]:
        rows = await tx.execute(select(Product.id, Product.stock))
        return {row.id: row.stock for row in rows}

    return await database.read(read)


async def set_stock(database: Database, product_id: int, stock: int) -> None:
    """A new count on the shelf, logged as a movement as every change of stock is."""
    await database.write(set_product, product_id, stock=stock)


async def set_product(tx: Tx, /, product_id: int, **values: Any) -> None:
    """Change a product's columns for a test; a new stock goes through a movement."""
    if "stock" in values:
        await inventory.set_stock(tx, product_id, values.pop("stock"), "test", "The test's count")
    if values:
        await tx.execute(update(Product).where(Product.id == product_id).values(**values))


_MOVED = (
    select(StockMovement.product_id, func.sum(StockMovement.quantity).label("units"))
    .group_by(StockMovement.product_id)
    .subquery()
)
_UNBALANCED = (
    select(Product.id, Product.stock, func.coalesce(_MOVED.c.units, 0))
    .outerjoin(_MOVED, _MOVED.c.product_id == Product.id)
    .where(Product.stock != func.coalesce(_MOVED.c.units, 0))
)


async def assert_movements_balance(database: Database) -> None:
    """Fail, naming every product whose stock is not the sum of its movements."""

    async def read(tx: Tx) -> dict[int, str]:
        rows = await tx.execute(_UNBALANCED)
        return {row[0]: f"stock {row[1]} != Σ movements {row[2]}" for row in rows}

    broken = await database.read(read)
    assert not broken, f"stock movements do not add up: {broken}"


async def assert_stock_invariant(database: Database, initial: dict[int, int]) -> None:
    """Fail, naming every product that breaks it, unless initial = shelf + held units."""
    held = (
        select(
            OrderLine.product_id,
            # Units put back by a refund are no longer held.
            func.sum(OrderLine.quantity - OrderLine.restocked_quantity).label("units"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.in_(HOLDING_STOCK))
        .group_by(OrderLine.product_id)
        .subquery()
    )
    # One statement, so both numbers come from the same snapshot on either database.
    query = select(
        Product.id, Product.stock, func.coalesce(held.c.units, 0).label("held")
    ).outerjoin(held, held.c.product_id == Product.id)

    async def read(tx: Tx) -> dict[int, tuple[int, int]]:
        return {row.id: (row.stock, int(row.held)) for row in await tx.execute(query)}

    now = await database.read(read)
    broken: dict[int, str] = {}
    for product_id, stock in initial.items():
        if product_id not in now:
            broken[product_id] = f"initial {stock}, but the product is gone"
        elif sum(now[product_id]) != stock:
            shelf, held_units = now[product_id]
            broken[product_id] = f"initial {stock} != {shelf} on the shelf + {held_units} held"
    assert not broken, f"stock invariant broken: {broken}"
    await assert_movements_balance(database)


async def pending_orders_holding(database: Database, product_id: int) -> set[str]:
    """Ids of the `pending_payment` orders with a line for `product_id`."""

    async def read(tx: Tx) -> set[str]:
        rows = await tx.execute(
            select(Order.id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(OrderLine.product_id == product_id, Order.status == PENDING_PAYMENT)
        )
        return set(rows.scalars())

    return await database.read(read)
