"""Checkouts through `/api` racing each other, and the store's own checkout: never more sold
than was in stock. On PostgreSQL the requests' transactions really overlap; on SQLite the store
runs one writer at a time, and the answers must be the same."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from typing import TypeVar

import httpx
from sqlalchemy import func, select

from shopkeep.db import Database, Tx
from shopkeep.orders.models import Order
from tests.compat.helpers import filled_cart
from tests.helpers import cart_with
from tests.invariants import assert_stock_invariant, set_stock, stock_levels

KEYBOARD = 3
MOUSE = 5
RACE_TIMEOUT = 15.0  # far above any honest race; a hang fails instead of blocking the suite

T = TypeVar("T")


async def race(*contenders: Awaitable[T]) -> list[T]:
    return await asyncio.wait_for(asyncio.gather(*contenders), timeout=RACE_TIMEOUT)


async def orders_by_status(database: Database) -> dict[str, int]:
    async def read(tx: Tx) -> dict[str, int]:
        rows = await tx.execute(select(Order.status, func.count()).group_by(Order.status))
        return {status: count for status, count in rows}

    return await database.read(read)


async def stock(client: httpx.AsyncClient, product_id: int) -> int:
    count: int = (await client.get(f"/api/products/{product_id}")).json()["inventory_count"]
    return count


async def test_twenty_carts_racing_for_five_units_sell_exactly_five(
    client: httpx.AsyncClient, database: Database
) -> None:
    carts = [await filled_cart(client, (KEYBOARD, 1)) for _ in range(20)]
    await set_stock(database, KEYBOARD, 5)
    initial = await stock_levels(database)

    responses = await race(
        *(
            client.post(f"/api/shopping_cart/{cart_id}/checkout", headers=auth)
            for cart_id, auth in carts
        )
    )

    assert Counter(r.status_code for r in responses) == {200: 5, 400: 15}, [
        r.text for r in responses
    ]
    assert {r.json()["message"] for r in responses if r.status_code == 200} == {
        "Products ordered, $89.99 spent"
    }
    assert {r.json()["detail"] for r in responses if r.status_code == 400} == {
        "Not enough stock for 'Mechanical Keyboard' (requested 1, available 0)"
    }
    assert await stock(client, KEYBOARD) == 0
    assert await orders_by_status(database) == {"paid": 5}
    await assert_stock_invariant(database, initial)


async def test_carts_holding_two_products_in_either_order_never_oversell_either(
    client: httpx.AsyncClient, database: Database
) -> None:
    carts = [
        await filled_cart(
            client, *([(KEYBOARD, 2), (MOUSE, 1)] if n % 2 else [(MOUSE, 1), (KEYBOARD, 2)])
        )
        for n in range(16)
    ]
    await set_stock(database, KEYBOARD, 9)  # four carts' worth
    await set_stock(database, MOUSE, 6)
    initial = await stock_levels(database)

    responses = await race(
        *(
            client.post(f"/api/shopping_cart/{cart_id}/checkout", headers=auth)
            for cart_id, auth in carts
        )
    )

    assert Counter(r.status_code for r in responses) == {200: 4, 400: 12}, [
        r.text for r in responses
    ]
    assert (await stock(client, KEYBOARD), await stock(client, MOUSE)) == (1, 2)
    await assert_stock_invariant(database, initial)


async def test_api_and_store_checkouts_racing_share_one_stock(
    client: httpx.AsyncClient, database: Database
) -> None:
    api_carts = [await filled_cart(client, (KEYBOARD, 1)) for _ in range(10)]
    store_carts = [await cart_with(client, (KEYBOARD, 1)) for _ in range(10)]
    await set_stock(database, KEYBOARD, 5)
    initial = await stock_levels(database)

    responses = await race(
        *(
            client.post(f"/api/shopping_cart/{cart_id}/checkout", headers=auth)
            for cart_id, auth in api_carts
        ),
        *(client.post(f"/cart/{cart_id}/checkout") for cart_id in store_carts),
    )

    assert Counter(r.status_code for r in responses) == {200: 5, 400: 15}, [
        r.text for r in responses
    ]
    api_sold = sum(r.status_code == 200 for r in responses[:10])
    assert await orders_by_status(database) == {
        status: count
        for status, count in {"paid": api_sold, "pending_payment": 5 - api_sold}.items()
        if count
    }
    assert await stock(client, KEYBOARD) == 0
    await assert_stock_invariant(database, initial)
