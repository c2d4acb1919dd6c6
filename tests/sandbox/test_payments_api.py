"""The sandbox's JSON API, calling the store back in the same process."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import checked_out, stock_of
from tests.sandbox.conftest import InProcessShop

KEYBOARD = 3  # $89.99, 75 in stock


async def pay(shop: InProcessShop, order: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = await shop.sandbox.post(
        "/payments/orders",
        json={"order_id": order["order_id"], "amount": order["total"], **fields},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def order_status(shop: InProcessShop, order_id: str) -> str:
    status: str = (await shop.store.get(f"/orders/{order_id}")).json()["status"]
    return status


async def test_a_payment_without_a_card_uses_the_success_card_and_the_order_is_paid(
    shop: InProcessShop,
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 2))
    payment = await pay(shop, order)

    assert payment["status"] == "succeeded"
    assert payment["amount"] == 179.98 and payment["currency"] == "USD"
    assert payment["card_last4"] == "4242"
    assert payment["payment_id"].startswith("pay_")
    assert payment["checkout_url"].endswith(f"/pay/{payment['payment_id']}")
    assert await order_status(shop, order["order_id"]) == "paid"
    assert await stock_of(shop.store, KEYBOARD) == 73
    assert (await shop.store.get(f"/cart/{order['cart_id']}")).status_code == 404


@pytest.mark.parametrize(
    ("card", "failure_code", "message"),
    [
        ("4000 0000 0000 0002", "card_declined", "The card was declined."),
        ("4000-0000-0000-9995", "insufficient_funds", "insufficient funds"),
    ],
)
async def test_a_declined_card_fails_the_payment_and_puts_the_stock_back(
    shop: InProcessShop, card: str, failure_code: str, message: str
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 5))
    assert await stock_of(shop.store, KEYBOARD) == 70

    payment = await pay(shop, order, card_number=card)

    assert payment["status"] == "failed"
    assert payment["failure_code"] == failure_code
    assert message in payment["failure_message"]
    assert await order_status(shop, order["order_id"]) == "payment_failed"
    assert await stock_of(shop.store, KEYBOARD) == 75
    # The cart stays, so the shopper can try again.
    assert (await shop.store.get(f"/cart/{order['cart_id']}")).status_code == 200


async def test_any_other_valid_card_number_succeeds(shop: InProcessShop) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    payment = await pay(shop, order, card_number="5555 5555 5555 4444")
    assert payment["status"] == "succeeded" and payment["card_last4"] == "4444"
    assert await order_status(shop, order["order_id"]) == "paid"


async def test_a_card_number_failing_luhn_is_refused_and_no_payment_is_made(
    shop: InProcessShop,
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    response = await shop.sandbox.post(
        "/payments/orders",
        json={
            "order_id": order["order_id"],
            "amount": order["total"],
            "card_number": "4242 4242 4242 4241",
        },
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "This card number is not valid: check the digits."
    listed = await shop.sandbox.get("/payments", params={"order_id": order["order_id"]})
    assert listed.json() == {"payments": []}
    assert await order_status(shop, order["order_id"]) == "pending_payment"


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"amount": 10.001}, 400),
        ({"amount": 0}, 422),
        ({"amount": -5}, 422),
        ({"amount": "1e400"}, 422),
        ({"amount": 10, "currency": "usd"}, 422),
        ({"amount": 10, "order_id": "x" * 65}, 422),
        ({"amount": 10, "order_id": "<script>"}, 422),
        ({"amount": 10, "return_url": "javascript:alert(1)"}, 422),
        ({"amount": 10, "card_number": "4242" * 20}, 422),
    ],
)
async def test_bad_payment_requests_are_refused_with_a_sentence(
    shop: InProcessShop, fields: dict[str, Any], status: int
) -> None:
    response = await shop.sandbox.post("/payments/orders", json={"order_id": "order-1", **fields})
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    listed = await shop.sandbox.get("/payments", params={"order_id": "order-1"})
    assert listed.json() == {"payments": []}


async def test_a_payment_shows_its_callback_and_every_delivery_attempt(
    shop: InProcessShop,
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    payment = await pay(shop, order)

    shown = (await shop.sandbox.get(f"/payments/{payment['payment_id']}")).json()
    callback = shown["callback"]
    assert callback["state"] == "delivered"
    assert callback["url"] == "http://store.test/payments/confirm"
    assert callback["attempts"] == 1 and callback["next_attempt_at"] is None
    [delivery] = callback["deliveries"]
    assert (delivery["number"], delivery["status_code"], delivery["outcome"]) == (
        1,
        200,
        "delivered",
    )
    listed = (await shop.sandbox.get("/payments", params={"order_id": order["order_id"]})).json()
    assert [p["payment_id"] for p in listed["payments"]] == [payment["payment_id"]]


@pytest.mark.parametrize("order_id", ["", "a\x00b", "x" * 65])
async def test_listing_payments_by_a_malformed_order_id_is_422(
    shop: InProcessShop, order_id: str
) -> None:
    response = await shop.sandbox.get("/payments", params={"order_id": order_id})
    assert response.status_code == 422


async def test_unknown_payments_are_404(shop: InProcessShop) -> None:
    for payment_id in ("pay_" + "0" * 32, "nope", "pay_" + "Z" * 32):
        response = await shop.sandbox.get(f"/payments/{payment_id}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Payment not found"}


async def test_a_second_payment_for_a_paid_order_ends_its_delivery_and_is_refunded(
    shop: InProcessShop,
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    await pay(shop, order)
    second = await pay(shop, order)

    callback = (await shop.sandbox.get(f"/payments/{second['payment_id']}")).json()["callback"]
    assert callback["state"] == "delivered"
    [delivery] = callback["deliveries"]
    assert delivery["status_code"] == 200 and delivery["outcome"] == "delivered"
    shown = (await shop.store.get(f"/orders/{order['order_id']}")).json()
    assert shown["status"] == "paid" and shown["needs_attention"] is True
    assert await stock_of(shop.store, KEYBOARD) == 74


async def test_a_payment_of_the_wrong_amount_never_pays_the_order_and_ends_its_delivery(
    shop: InProcessShop,
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    payment = await pay(shop, {**order, "total": 1.00})

    callback = (await shop.sandbox.get(f"/payments/{payment['payment_id']}")).json()["callback"]
    assert callback["state"] == "delivered"
    [delivery] = callback["deliveries"]
    assert delivery["status_code"] == 200 and delivery["outcome"] == "delivered"
    assert await order_status(shop, order["order_id"]) == "pending_payment"
