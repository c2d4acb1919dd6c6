"""The order page tells the shopper, in plain words, what became of money that could not pay
the order: refunded in full, automatically."""

from __future__ import annotations

from datetime import timedelta

import httpx

from shopkeep.db import Database, utcnow
from shopkeep.orders.service import expire_orders
from tests.inprocess import SANDBOX, Apps, refunds_asked_for
from tests.invariants import assert_stock_invariant, stock_levels
from tests.web.conftest import BASE_URL
from tests.web.helpers import CUSTOMER, add, post_form, text_of

KEYBOARD = 3
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123"}
DECLINED = {**CARD, "card_number": "4000 0000 0000 0002"}


async def order_text(shop: httpx.AsyncClient, order_id: str) -> str:
    return text_of((await shop.get(f"/orders/{order_id}")).text)


async def test_a_payment_after_expiry_is_refunded_and_the_page_says_so(
    shop: httpx.AsyncClient, sandbox: httpx.AsyncClient, apps: Apps, database: Database
) -> None:
    initial = await stock_levels(database)
    await add(shop, KEYBOARD, 1)
    placed = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
    payment_page = placed.headers["location"].removeprefix(SANDBOX)
    order_id = (await sandbox.get(payment_page.replace("/pay/", "/payments/"))).json()["order_id"]
    assert await database.write(expire_orders, utcnow() + timedelta(minutes=31)) == 1

    paid = await sandbox.post(payment_page, data=CARD)
    assert paid.status_code == 303
    text = await order_text(shop, order_id)
    assert "Your payment arrived after the order expired; it is being refunded in full." in text
    assert "not paid in time" not in text

    assert await refunds_asked_for(apps, database) == 1
    text = await order_text(shop, order_id)
    assert "Your payment arrived after the order expired; it has been refunded in full." in text
    payment = (await sandbox.get(payment_page.replace("/pay/", "/payments/"))).json()
    assert payment["refunded"] is True and len(payment["refunds"]) == 1
    assert await refunds_asked_for(apps, database) == 0  # done once, never again
    await assert_stock_invariant(database, initial)


async def test_declined_then_paid_on_another_page_never_says_nothing_was_charged(
    shop: httpx.AsyncClient, sandbox: httpx.AsyncClient, apps: Apps, database: Database
) -> None:
    initial = await stock_levels(database)
    await add(shop, KEYBOARD, 1)
    placed = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
    payment_page = placed.headers["location"].removeprefix(SANDBOX)
    first = (await sandbox.get(payment_page.replace("/pay/", "/payments/"))).json()
    order_id = first["order_id"]
    # Another page for the same order, opened before the decline.
    other = await sandbox.post(
        "/payments/orders",
        json={
            "order_id": order_id,
            "amount": first["amount"],
            "return_url": f"{BASE_URL}/orders/{order_id}",
        },
    )
    assert (await sandbox.post(payment_page, data=DECLINED)).status_code == 303
    assert "you have not been charged" in await order_text(shop, order_id)

    other_page = f"/pay/{other.json()['payment_id']}"
    assert (await sandbox.post(other_page, data=CARD)).status_code == 303
    text = await order_text(shop, order_id)
    assert "not been charged" not in text
    assert (
        "Your payment arrived after an earlier payment for this order was declined; "
        "it is being refunded in full." in text
    )
    assert await refunds_asked_for(apps, database) == 1
    assert "it has been refunded in full." in await order_text(shop, order_id)
    await assert_stock_invariant(database, initial)
