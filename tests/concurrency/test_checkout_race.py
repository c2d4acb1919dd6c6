"""Checkouts racing each other in one process, each in its own committed transaction.

On PostgreSQL the transactions really overlap (one connection each, row locks decide); on SQLite
the store runs one writer at a time, and the same races must give the same answers.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TypeVar

import httpx
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine, ExceptionContext

from shopkeep.carts.service import add_item, create_cart
from shopkeep.db import Database, PostgresDatabase, SQLiteDatabase, Tx, utcnow
from shopkeep.orders.models import PENDING_PAYMENT, Order
from shopkeep.orders.service import checkout, expire_orders
from tests.helpers import cart_with
from tests.invariants import (
    assert_stock_invariant,
    pending_orders_holding,
    set_stock,
    stock_levels,
)

KEYBOARD = 3  # "Mechanical Keyboard" in the demo catalog
MOUSE = 5
TTL = timedelta(minutes=30)
RACE_TIMEOUT = 15.0  # far above any honest race; a hang fails instead of blocking the suite
DEADLOCK = "40P01"

T = TypeVar("T")


async def race(*contenders: Awaitable[T]) -> list[T]:
    return await asyncio.wait_for(asyncio.gather(*contenders), timeout=RACE_TIMEOUT)


async def filled_cart(database: Database, *lines: tuple[int, int]) -> str:
    cart_id = await database.write(create_cart)
    for product_id, quantity in lines:
        await database.write(add_item, cart_id, product_id, quantity)
    return cart_id


async def pending_orders_per_cart(database: Database) -> dict[str, int]:
    async def read(tx: Tx) -> dict[str, int]:
        rows = await tx.execute(
            select(Order.cart_id, func.count())
            .where(Order.status == PENDING_PAYMENT)
            .group_by(Order.cart_id)
        )
        return {cart_id: count for cart_id, count in rows}

    return await database.read(read)


@contextmanager
def deadlocks_detected(database: Database) -> Iterator[list[BaseException]]:
    """Deadlocks the database reports while the block runs, including those that
    `Database.write` retries silently (each one costs PostgreSQL's `deadlock_timeout`)."""
    assert isinstance(database, PostgresDatabase | SQLiteDatabase)
    engine: Engine = (
        database.engine.sync_engine if isinstance(database, PostgresDatabase) else database.engine
    )
    deadlocks: list[BaseException] = []

    def on_error(context: ExceptionContext) -> None:
        if getattr(context.original_exception, "sqlstate", None) == DEADLOCK:
            deadlocks.append(context.original_exception)

    event.listen(engine, "handle_error", on_error)
    try:
        yield deadlocks
    finally:
        event.remove(engine, "handle_error", on_error)


async def test_fifty_checkouts_racing_for_ten_units_sell_exactly_ten(
    client: httpx.AsyncClient, database: Database
) -> None:
    carts = [await cart_with(client, (KEYBOARD, 1)) for _ in range(50)]
    await set_stock(database, KEYBOARD, 10)
    initial = await stock_levels(database)
    name = (await client.get(f"/products/{KEYBOARD}")).json()["name"]

    responses = await race(*(client.post(f"/cart/{cart_id}/checkout") for cart_id in carts))

    assert Counter(r.status_code for r in responses) == {200: 10, 400: 40}, [
        r.text for r in responses
    ]
    sold_out = f"Not enough stock for '{name}' (requested 1, available 0)"
    assert {r.json()["detail"] for r in responses if r.status_code == 400} == {sold_out}
    assert (await client.get(f"/products/{KEYBOARD}")).json()["stock"] == 0
    sold = {r.json()["order_id"] for r in responses if r.status_code == 200}
    assert await pending_orders_holding(database, KEYBOARD) == sold
    await assert_stock_invariant(database, initial)


async def test_checkouts_of_the_same_products_in_opposite_order_never_deadlock(
    database: Database,
) -> None:
    await set_stock(database, KEYBOARD, 10_000)
    await set_stock(database, MOUSE, 10_000)
    initial = await stock_levels(database)

    with deadlocks_detected(database) as deadlocks:
        for _ in range(30):
            # Six at once: with only two, lock-order mistakes rarely meet in time to show.
            carts = [
                await filled_cart(database, (KEYBOARD, 1), (MOUSE, 2))
                if i % 2
                else await filled_cart(database, (MOUSE, 3), (KEYBOARD, 4))
                for i in range(6)
            ]
            orders = await race(*(database.write(checkout, cart_id, TTL) for cart_id in carts))
            assert all(order["order_id"] for order in orders)
            if deadlocks:
                break

    assert deadlocks == [], f"{len(deadlocks)} deadlock(s), retried after deadlock_timeout"
    await assert_stock_invariant(database, initial)


async def test_checkout_replacing_a_pending_order_never_deadlocks_with_a_rival_checkout(
    database: Database,
) -> None:
    """Replacing a pending order puts its stock back and reserves the cart's: all of those
    product locks must still be taken in id order, or two checkouts can wait on each other."""
    await set_stock(database, KEYBOARD, 10_000)
    await set_stock(database, MOUSE, 10_000)
    initial = await stock_levels(database)

    with deadlocks_detected(database) as deadlocks:
        for _ in range(30):
            # The pending order holds only the higher id; the cart then gains the lower one.
            replacing = await filled_cart(database, (MOUSE, 1))
            await database.write(checkout, replacing, TTL)
            await database.write(add_item, replacing, KEYBOARD, 1)
            rival = await filled_cart(database, (KEYBOARD, 1), (MOUSE, 1))

            orders = await race(
                database.write(checkout, replacing, TTL), database.write(checkout, rival, TTL)
            )
            assert all(order["order_id"] for order in orders)
            if deadlocks:
                break

    assert deadlocks == [], f"{len(deadlocks)} deadlock(s), retried after deadlock_timeout"
    await assert_stock_invariant(database, initial)


async def test_expiring_orders_never_deadlocks_with_a_checkout(database: Database) -> None:
    """Expiry returns several orders' stock in one transaction: its product locks, too, must be
    taken in id order across all of them."""
    await set_stock(database, KEYBOARD, 10_000)
    await set_stock(database, MOUSE, 10_000)
    initial = await stock_levels(database)

    with deadlocks_detected(database) as deadlocks:
        for _ in range(30):
            # Due first: an order holding the higher id; then one holding the lower id.
            for product_id, ttl in (
                (MOUSE, timedelta(minutes=1)),
                (KEYBOARD, timedelta(minutes=2)),
            ):
                await database.write(checkout, await filled_cart(database, (product_id, 1)), ttl)
            rival = await filled_cart(database, (KEYBOARD, 1), (MOUSE, 1))

            expired, order = await race(
                database.write(expire_orders, utcnow() + timedelta(minutes=3)),
                database.write(checkout, rival, TTL),
            )
            assert (expired, bool(order["order_id"])) == (2, True)
            if deadlocks:
                break

    assert deadlocks == [], f"{len(deadlocks)} deadlock(s), retried after deadlock_timeout"
    await assert_stock_invariant(database, initial)


async def test_cart_changes_racing_its_checkout_keep_the_stock_invariant(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart = await cart_with(client, (KEYBOARD, 2), (MOUSE, 1))
    rival = await cart_with(client, (KEYBOARD, 3))
    await set_stock(database, KEYBOARD, 6)
    await set_stock(database, MOUSE, 4)
    initial = await stock_levels(database)

    outcomes: list[tuple[str, str, httpx.Response]] = []
    for round_ in range(12):
        requests: list[tuple[str, str, Awaitable[httpx.Response]]] = [
            (cart, "checkout", client.post(f"/cart/{cart}/checkout")),
            (cart, "add", client.post(f"/cart/{cart}/items", json={"product_id": KEYBOARD})),
            (
                cart,
                "patch",
                client.patch(f"/cart/{cart}/items/{KEYBOARD}", json={"quantity": 1 + round_ % 3}),
            ),
            (rival, "checkout", client.post(f"/cart/{rival}/checkout")),
            (cart, "checkout", client.post(f"/cart/{cart}/checkout")),
            # Remove the mouse every other round, and put it back.
            (
                cart,
                "patch",
                client.patch(f"/cart/{cart}/items/{MOUSE}", json={"quantity": round_ % 2 * 2}),
            ),
            (
                cart,
                "add",
                client.post(f"/cart/{cart}/items", json={"product_id": MOUSE, "quantity": 1}),
            ),
        ]
        responses = await race(*(request for _, _, request in requests))
        outcomes += [
            (cart_id, kind, response)
            for (cart_id, kind, _), response in zip(requests, responses, strict=True)
        ]

    expected_refusals = re.compile(
        r"Not enough stock for '[^']+' \(requested \d+, available \d+\)"
        r"|Not enough stock \(available: \d+\)"
        r"|Item not in cart"
    )
    unexpected = [
        (kind, response.status_code, response.text)
        for _, kind, response in outcomes
        if response.status_code != 200
        and not (
            response.status_code in (400, 404)
            and expected_refusals.fullmatch(response.json()["detail"])
        )
    ]
    assert unexpected == []
    checked_out = {
        cart_id
        for cart_id, kind, response in outcomes
        if kind == "checkout" and response.status_code == 200
    }
    assert cart in checked_out, "the race never let the cart check out: it proved nothing"
    # Each checkout replaces the cart's pending order: never two holding stock for one cart.
    assert await pending_orders_per_cart(database) == dict.fromkeys(checked_out, 1)
    await assert_stock_invariant(database, initial)
