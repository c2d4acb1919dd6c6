"""A payment confirmation racing a new checkout of the same cart: both take the cart's row, then
the order's, then the products' (one lock order everywhere), so on PostgreSQL they never
deadlock, and either way the money and the stock stay consistent."""

from __future__ import annotations

from datetime import timedelta

from shopkeep.carts.service import CartNotFound
from shopkeep.db import Database
from shopkeep.orders.service import checkout, get_order
from shopkeep.payments.service import Callback, confirm_payment
from tests.concurrency.test_checkout_race import deadlocks_detected, filled_cart, race
from tests.invariants import assert_stock_invariant, stock_levels

KEYBOARD = 3
TTL = timedelta(minutes=30)
ROUNDS = 12


async def checkout_again(database: Database, cart_id: str) -> dict[str, object] | None:
    try:
        return await database.write(checkout, cart_id, TTL)
    except CartNotFound:  # the confirmation closed the cart first
        return None


async def test_confirmations_and_checkouts_of_one_cart_never_deadlock(database: Database) -> None:
    initial = await stock_levels(database)
    paid = replaced = 0
    with deadlocks_detected(database) as deadlocks:
        for round_ in range(ROUNDS):
            cart_id = await filled_cart(database, (KEYBOARD, 1))
            order = await database.write(checkout, cart_id, TTL)
            callback = Callback(f"pay_race_{round_}", order["order_id"], "success", 8999)

            answer, newer = await race(
                database.write(confirm_payment, callback), checkout_again(database, cart_id)
            )
            status = (await database.read(get_order, order["order_id"]))["status"]
            assert answer.status_code == 200
            if newer is None:
                assert status == "paid" and answer.body["status"] == "paid"
                paid += 1
            else:
                # Replaced first: the charge cannot pay it and is refunded.
                assert status == "cancelled" and answer.body["refund"] == "requested"
                replaced += 1
    assert deadlocks == []
    assert paid + replaced == ROUNDS
    await assert_stock_invariant(database, initial)
