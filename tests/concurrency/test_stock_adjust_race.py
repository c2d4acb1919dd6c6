"""Staff adjustments racing checkouts for the same few units, each in its own committed
transaction: stock never goes below 0, every accepted change is one movement, and the shelf
holds exactly what the winners left."""

from __future__ import annotations

from datetime import timedelta

from shopkeep.db import Database
from shopkeep.errors import BadRequest
from shopkeep.inventory import service as inventory
from shopkeep.orders.service import checkout
from tests.concurrency.test_checkout_race import filled_cart, race
from tests.invariants import assert_movements_balance, set_stock, stock_levels

KEYBOARD = 3
TTL = timedelta(minutes=30)


async def attempt_checkout(database: Database, cart_id: str) -> int:
    try:
        await database.write(checkout, cart_id, TTL)
    except BadRequest:
        return 0
    return 2


async def attempt_adjust(database: Database) -> int:
    try:
        await database.write(inventory.adjust, KEYBOARD, -3, "Stocktake", "staff:olivia")
    except BadRequest:
        return 0
    return 3


async def test_adjustments_racing_checkouts_never_take_stock_below_zero(
    database: Database,
) -> None:
    await set_stock(database, KEYBOARD, 5)
    carts = [await filled_cart(database, (KEYBOARD, 2)) for _ in range(3)]

    taken = await race(
        *(attempt_checkout(database, cart_id) for cart_id in carts),
        attempt_adjust(database),
        attempt_adjust(database),
    )

    stock = (await stock_levels(database))[KEYBOARD]
    assert stock >= 0
    assert stock == 5 - sum(taken)
    assert sum(taken) >= 4  # whatever came first, the rest could not fit
    await assert_movements_balance(database)
