"""Checkouts racing for a discount code's last use, each in its own committed transaction:
the code's use is taken with a conditional update (once per email: a unique key), so exactly
one wins, the others are told why and reserve nothing; the winner's expiry gives it back."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from shopkeep.db import Database, Tx, utcnow
from shopkeep.orders.service import expire_orders
from shopkeep.pricing import service as pricing
from shopkeep.pricing.models import DiscountCode
from tests.concurrency.test_checkout_race import KEYBOARD, race
from tests.helpers import cart_with
from tests.invariants import assert_stock_invariant, pending_orders_holding, stock_levels
from tests.mail.helpers import DETAILS

RACERS = 30


async def code_with(database: Database, code: str, **fields: Any) -> None:
    await database.write(
        pricing.create_code, {"code": code, "kind": "percent", "value": Decimal(10), **fields}
    )


async def uses_of(database: Database, code: str) -> int:
    async def read(tx: Tx) -> int:
        return int(await tx.scalar(select(DiscountCode.uses).where(DiscountCode.code == code)) or 0)

    return await database.read(read)


def email(n: int) -> dict[str, Any]:
    return {**DETAILS, "email": f"shopper{n}@example.com"}


async def checkouts_racing(
    client: httpx.AsyncClient, database: Database, code: str, same_email: bool
) -> tuple[str, list[str]]:
    """RACERS checkouts of one keyboard each with `code`; the winner's order id and the
    losers' sentences. Exactly one must win, and only its unit leaves the shelf."""
    carts = [await cart_with(client, (KEYBOARD, 1)) for _ in range(RACERS)]
    initial = await stock_levels(database)
    responses = await race(
        *(
            client.post(
                f"/cart/{cart_id}/checkout",
                json={**(DETAILS if same_email else email(n)), "discount_code": code.lower()},
            )
            for n, cart_id in enumerate(carts)
        )
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 400: RACERS - 1}, [
        r.text for r in responses
    ]
    [winner] = [r.json()["order_id"] for r in responses if r.status_code == 200]
    assert await pending_orders_holding(database, KEYBOARD) == {winner}
    assert (await client.get(f"/products/{KEYBOARD}")).json()["stock"] == initial[KEYBOARD] - 1
    await assert_stock_invariant(database, initial)
    return winner, [r.json()["detail"] for r in responses if r.status_code == 400]


async def test_thirty_checkouts_racing_for_a_single_use_code_use_it_once(
    client: httpx.AsyncClient, database: Database
) -> None:
    await code_with(database, "LASTONE", usage_limit=1)

    winner, sentences = await checkouts_racing(client, database, "LASTONE", same_email=False)

    assert set(sentences) == {"The code LASTONE has been used up."}
    assert await uses_of(database, "LASTONE") == 1
    # The winner's order expires unpaid: the use comes back, and the code works again.
    assert await database.write(expire_orders, utcnow() + timedelta(hours=1)) == 1
    assert await uses_of(database, "LASTONE") == 0
    detail = await database.read(pricing.get_code, "lastone")
    assert [(o["order_id"], o["status"]) for o in detail["orders"]] == [(winner, "expired")]
    assert detail["orders"][0]["given_back_at"] is not None
    cart_id = await cart_with(client, (KEYBOARD, 1))
    again = await client.post(
        f"/cart/{cart_id}/checkout", json={**DETAILS, "discount_code": "lastone"}
    )
    assert again.status_code == 200, again.text
    assert await uses_of(database, "LASTONE") == 1


async def test_thirty_checkouts_of_one_email_racing_for_a_once_per_email_code_use_it_once(
    client: httpx.AsyncClient, database: Database
) -> None:
    await code_with(database, "HELLO", once_per_email=True)

    _, sentences = await checkouts_racing(client, database, "HELLO", same_email=True)

    assert set(sentences) == {
        "The code HELLO has already been used with this email address (once per customer)."
    }
    assert await uses_of(database, "HELLO") == 1
    # Given back when the order expires: the same address may use it again.
    assert await database.write(expire_orders, utcnow() + timedelta(hours=1)) == 1
    cart_id = await cart_with(client, (KEYBOARD, 1))
    again = await client.post(
        f"/cart/{cart_id}/checkout", json={**DETAILS, "discount_code": "hello"}
    )
    assert again.status_code == 200, again.text
