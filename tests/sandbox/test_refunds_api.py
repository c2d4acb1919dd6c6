"""The sandbox's refunds, cancellations and idempotency keys, over its JSON API."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.helpers import checked_out
from tests.sandbox.conftest import InProcessShop

KEYBOARD = 3  # $89.99


async def paid_payment(shop: InProcessShop) -> dict[str, Any]:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    response = await shop.sandbox.post(
        "/payments/orders", json={"order_id": order["order_id"], "amount": order["total"]}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "succeeded"
    return body


async def refund(
    shop: InProcessShop, payment_id: str, amount: float, key: str | None = None, **fields: Any
) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return await shop.sandbox.post(
        f"/payments/{payment_id}/refunds", json={"amount": amount, **fields}, headers=headers
    )


async def payment(shop: InProcessShop, payment_id: str) -> dict[str, Any]:
    response = await shop.sandbox.get(f"/payments/{payment_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_refunds_never_sum_above_the_charge(shop: InProcessShop) -> None:
    paid = await paid_payment(shop)
    first = await refund(shop, paid["payment_id"], 50, reason="one key broke")
    assert first.status_code == 201, first.text
    made = first.json()
    assert made["refund_id"].startswith("re_")
    assert (made["payment_id"], made["amount"], made["status"]) == (
        paid["payment_id"],
        50,
        "succeeded",
    )

    too_much = await refund(shop, paid["payment_id"], 40)
    assert too_much.status_code == 400
    assert too_much.json() == {
        "detail": "A refund of $40.00 is more than what is left to refund on this payment ($39.99)."
    }
    after = await payment(shop, paid["payment_id"])
    assert [r["refund_id"] for r in after["refunds"]] == [made["refund_id"]]
    assert (after["amount_refunded"], after["refunded"]) == (50, False)

    rest = await refund(shop, paid["payment_id"], 39.99)
    assert rest.status_code == 201
    after = await payment(shop, paid["payment_id"])
    assert (after["amount_refunded"], after["refunded"]) == (89.99, True)
    assert (await refund(shop, paid["payment_id"], 0.01)).status_code == 400


async def test_the_same_key_and_body_return_the_first_refund_and_refund_nothing_more(
    shop: InProcessShop,
) -> None:
    paid = await paid_payment(shop)
    first = await refund(shop, paid["payment_id"], 10, key="refund-1")
    again = await refund(shop, paid["payment_id"], 10, key="refund-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["refund_id"] == first.json()["refund_id"]
    after = await payment(shop, paid["payment_id"])
    assert len(after["refunds"]) == 1 and after["amount_refunded"] == 10


async def test_another_body_under_a_used_key_is_a_conflict(shop: InProcessShop) -> None:
    paid = await paid_payment(shop)
    assert (await refund(shop, paid["payment_id"], 10, key="k")).status_code == 201
    other = await refund(shop, paid["payment_id"], 11, key="k")
    assert other.status_code == 409
    assert "Idempotency-Key was already used" in other.json()["detail"]
    assert (await payment(shop, paid["payment_id"]))["amount_refunded"] == 10


async def test_ten_identical_refund_requests_at_once_refund_once(
    shop: InProcessShop,
) -> None:
    paid = await paid_payment(shop)
    answers = await asyncio.gather(
        *(refund(shop, paid["payment_id"], 89.99, key="all-of-it") for _ in range(10))
    )
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["refund_id"] for answer in answers}) == 1
    after = await payment(shop, paid["payment_id"])
    assert len(after["refunds"]) == 1 and after["amount_refunded"] == 89.99


async def test_only_a_succeeded_payment_can_be_refunded(shop: InProcessShop) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    waiting = await shop.sandbox.post(
        "/payments/orders",
        json={
            "order_id": order["order_id"],
            "amount": order["total"],
            "return_url": "http://shop.test/orders/x",
        },
    )
    response = await refund(shop, waiting.json()["payment_id"], 1)
    assert response.status_code == 400
    assert "requires_payment_method" in response.json()["detail"]
    unknown = await refund(shop, "pay_" + "0" * 32, 1)
    assert unknown.status_code == 404


async def test_a_payment_request_repeated_under_its_key_charges_once(
    shop: InProcessShop,
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    body = {"order_id": order["order_id"], "amount": order["total"]}
    headers = {"Idempotency-Key": "order-pay-1"}
    first = await shop.sandbox.post("/payments/orders", json=body, headers=headers)
    again = await shop.sandbox.post("/payments/orders", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["payment_id"] == first.json()["payment_id"]
    listed = await shop.sandbox.get("/payments", params={"order_id": order["order_id"]})
    assert len(listed.json()["payments"]) == 1
    other = await shop.sandbox.post("/payments/orders", json={**body, "amount": 1}, headers=headers)
    assert other.status_code == 409
    # Without a key (seed 001's script), every request is a new payment.
    for _ in range(2):
        assert (await shop.sandbox.post("/payments/orders", json=body)).status_code == 201
    listed = await shop.sandbox.get("/payments", params={"order_id": order["order_id"]})
    assert len(listed.json()["payments"]) == 3


async def test_a_cancelled_payment_cannot_be_paid_and_its_page_says_so(
    shop: InProcessShop,
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    created = await shop.sandbox.post(
        "/payments/orders",
        json={
            "order_id": order["order_id"],
            "amount": order["total"],
            "return_url": "http://shop.test/orders/x",
        },
    )
    payment_id = created.json()["payment_id"]
    cancelled = await shop.sandbox.post(f"/payments/{payment_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (await shop.sandbox.post(f"/payments/{payment_id}/cancel")).status_code == 200

    page = await shop.sandbox.get(f"/pay/{payment_id}")
    assert "Test Shop cancelled this payment, so it cannot be paid" in page.text
    submitted = await shop.sandbox.post(
        f"/pay/{payment_id}",
        content="card_number=4242424242424242&expiry=12/40&cvc=123",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert submitted.status_code == 409
    assert "cannot be paid" in submitted.text
    assert (await payment(shop, payment_id))["status"] == "cancelled"


async def test_a_paid_payment_cannot_be_cancelled(shop: InProcessShop) -> None:
    paid = await paid_payment(shop)
    response = await shop.sandbox.post(f"/payments/{paid['payment_id']}/cancel")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This payment was already processed (status: succeeded) and cannot be cancelled."
    }


async def test_a_refunded_payment_shows_as_refunded_on_its_page(
    shop: InProcessShop,
) -> None:
    paid = await paid_payment(shop)
    await refund(shop, paid["payment_id"], 89.99)
    page = await shop.sandbox.get(f"/pay/{paid['payment_id']}")
    assert "<h1>Payment refunded</h1>" in page.text and "refunded in full" in page.text


async def test_the_pages_have_an_icon(shop: InProcessShop) -> None:
    paid = await paid_payment(shop)
    page = await shop.sandbox.get(f"/pay/{paid['payment_id']}")
    assert '<link rel="icon" href="/static/favicon.svg"' in page.text
    icon = await shop.sandbox.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    legacy = await shop.sandbox.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy.headers["location"] == "/static/favicon.svg"


async def test_an_order_has_one_open_hosted_payment_however_often_it_is_started(
    shop: InProcessShop,
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    start = {"return_url": "http://shop.test/orders/back"}
    answers = await asyncio.gather(
        *(shop.store.post(f"/orders/{order['order_id']}/payment", json=start) for _ in range(5))
    )
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["payment_id"] for answer in answers}) == 1
    later = await shop.store.post(f"/orders/{order['order_id']}/payment", json=start)
    assert later.json()["payment_id"] == answers[0].json()["payment_id"]
    listed = await shop.sandbox.get("/payments", params={"order_id": order["order_id"]})
    assert len(listed.json()["payments"]) == 1
