"""`make bench-cluster` compares checkouts over HTTP with pgbench running the store's own
checkout transaction: what pgbench writes must be what a checkout writes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import cluster as bench
from sqlalchemy import select

from shopkeep.carts import service as carts_service
from shopkeep.catalog.models import Product
from shopkeep.db import Tx, create_database
from shopkeep.inventory.models import StockMovement
from shopkeep.migrate import upgrade
from shopkeep.orders import service as orders
from shopkeep.orders.models import Order, OrderLine
from tests.conftest import load_demo_catalog
from tests.helpers import empty_database
from tests.invariants import assert_movements_balance, stock_levels


async def test_pgbench_checks_carts_out_as_the_store_does(
    tmp_path: Path, postgres_url: str
) -> None:
    url = await empty_database(postgres_url, tmp_path)
    await asyncio.to_thread(upgrade, url)
    database = create_database(url)
    try:
        await load_demo_catalog(database)
        # Three carts of one unit each for pgbench (of the first products with stock to spare),
        # and one the store checks out, of the last product.
        await asyncio.to_thread(bench.add_store_carts, url, 3)
        stock_before = await stock_levels(database)
        last = max(product for product, stock in stock_before.items() if stock)
        store_cart = await database.write(carts_service.create_cart)
        await database.write(carts_service.add_item, store_cart, last, 1)
        await database.write(orders.checkout, store_cart, timedelta(hours=1))
        carts = [str(bench.FIRST_CART + n) for n in range(3)] + [store_cart]
        script, defines = bench.store_transaction(datetime.now(UTC), timedelta(hours=1))
        await asyncio.to_thread(bench.run_pgbench, url, script, defines, ("-t", "3"), clients=1)

        placed = await database.read(_orders_by_cart)
        assert sorted(placed) == sorted(carts)
        products = await database.read(_products)
        for cart, order in placed.items():
            # Each line as the product is, at one unit: its total.
            name, price = products[order["product_id"]]
            assert (order["name"], order["unit_price_cents"], order["quantity"]) == (name, price, 1)
            assert order["total_cents"] == order["subtotal_cents"] == price
            # The rest as the store's order has it.
            for column in ("status", "discount_cents", "currency", "movement"):
                assert order[column] == placed[carts[3]][column], (cart, column)
        assert [placed[cart]["order_id"] for cart in carts[:3]] == carts[:3]  # their carts' ids
        stock_after = await stock_levels(database)
        sold = {product: stock_before[product] - stock_after[product] for product in stock_after}
        assert sorted(placed[cart]["product_id"] for cart in carts) == sorted(
            product for product, units in sold.items() if units
        )
        assert set(sold.values()) == {0, 1}
        await assert_movements_balance(database)
    finally:
        await database.close()


async def _products(tx: Tx) -> dict[int, tuple[str, int]]:
    rows = await tx.execute(select(Product.id, Product.name, Product.price_cents))
    return {row.id: (row.name, row.price_cents) for row in rows}


async def _orders_by_cart(tx: Tx) -> dict[str, dict[str, Any]]:
    """Each order of one line with its line and its movement (type, quantity, actor, reason)."""
    rows = await tx.execute(
        select(
            Order.cart_id,
            Order.id.label("order_id"),
            Order.status,
            Order.total_cents,
            Order.subtotal_cents,
            Order.discount_cents,
            Order.currency,
            OrderLine.product_id,
            OrderLine.name,
            OrderLine.unit_price_cents,
            OrderLine.quantity,
            StockMovement.type,
            StockMovement.quantity.label("moved"),
            StockMovement.actor,
            StockMovement.reason,
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(StockMovement, StockMovement.order_id == Order.id)
    )
    placed = {}
    for row in rows:
        order = row._asdict()
        order["movement"] = tuple(order.pop(key) for key in ("type", "moved", "actor", "reason"))
        placed[row.cart_id] = order
    return placed
