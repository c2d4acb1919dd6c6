"""POST /payments/confirm: signed, idempotent, checked against the order total."""

import asyncio
import time
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from shopkeep import signature
from shopkeep.db import Database, Tx, utcnow
from shopkeep.orders.service import expire_orders
from shopkeep.payments.models import PaymentEvent
from tests.conftest import WEBHOOK_SECRET
from tests.helpers import checked_out, confirm, signed_callback, stock_of


async def inbox_rows(tx: Tx) -> int:
    return int(await tx.scalar(select(func.count()).select_from(PaymentEvent)))


def payment(order: dict, status: str = "success", payment_id: str = "pay_1") -> dict:
    return {
        "payment_id": payment_id,
        "order_id": order["order_id"],
        "amount": order["total"],
        "status": status,
    }


async def test_a_signed_success_marks_the_order_paid_and_closes_the_cart(
    client: httpx.AsyncClient,
) -> None:
    order = await checked_out(client, (3, 2))
    response = await confirm(client, payment(order))
    assert response.status_code == 200
    assert response.json() == {
        "order_id": order["order_id"],
        "status": "paid",
        "message": "Payment confirmed. Stock updated.",
    }
    assert (await client.get(f"/orders/{order['order_id']}")).json()["status"] == "paid"
    cart = await client.get(f"/cart/{order['cart_id']}")
    assert cart.status_code == 404
    assert cart.json() == {"detail": "Cart not found"}
    assert await stock_of(client, 3) == 73


async def test_a_failed_payment_returns_the_stock_and_keeps_the_cart(
    client: httpx.AsyncClient,
) -> None:
    order = await checked_out(client, (3, 2), (5, 1))
    stock_5 = await stock_of(client, 5)
    response = await confirm(client, payment(order, status="failed"))
    assert response.json() == {
        "order_id": order["order_id"],
        "status": "payment_failed",
        "message": "Payment failed. Order not fulfilled.",
    }
    assert await stock_of(client, 3) == 75
    assert await stock_of(client, 5) == stock_5 + 1
    cart = (await client.get(f"/cart/{order['cart_id']}")).json()
    assert [item["product_id"] for item in cart["items"]] == [3, 5]
    again = await client.post(f"/cart/{order['cart_id']}/checkout")
    assert again.status_code == 200
    assert await stock_of(client, 3) == 73


async def test_an_unsigned_callback_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    order = await checked_out(client, (3, 1))
    response = await client.post(
        "/payments/confirm", json={"order_id": order["order_id"], "status": "success"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Signature header="Shopkeep-Signature"'
    assert "Signature" in response.json()["detail"]
    assert (await client.get(f"/orders/{order['order_id']}")).json()["status"] == "pending_payment"
    assert await database.read(inbox_rows) == 0


async def test_a_wrong_secret_is_refused(client: httpx.AsyncClient) -> None:
    order = await checked_out(client, (3, 1))
    response = await confirm(client, payment(order), secret="another-secret-" + "y" * 32)
    assert response.status_code == 401
    assert (await client.get(f"/orders/{order['order_id']}")).json()["status"] == "pending_payment"


async def test_a_stale_timestamp_is_refused(client: httpx.AsyncClient) -> None:
    order = await checked_out(client, (3, 1))
    response = await confirm(client, payment(order), timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert "window" in response.json()["detail"]
    assert (await client.get(f"/orders/{order['order_id']}")).json()["status"] == "pending_payment"


async def test_a_tampered_body_is_refused(client: httpx.AsyncClient) -> None:
    order = await checked_out(client, (3, 1))
    body, headers = signed_callback(payment(order, status="failed"))
    tampered = body.replace(b'"failed"', b'"success"')
    response = await client.post("/payments/confirm", content=tampered, headers=headers)
    assert response.status_code == 401
    assert (await client.get(f"/orders/{order['order_id']}")).json()["status"] == "pending_payment"


async def test_the_same_payment_delivered_twice_gets_the_first_answer_and_one_effect(
    client: httpx.AsyncClient, database: Database
) -> None:
    order = await checked_out(client, (3, 1))
    first = await confirm(client, payment(order, status="failed"))
    second = await confirm(client, payment(order, status="failed"))
    assert second.status_code == first.status_code == 200
    assert second.json() == first.json()
    assert await stock_of(client, 3) == 75  # released once, not twice
    assert await database.read(inbox_rows) == 1


async def test_the_same_payment_delivered_three_times_at_once_has_one_effect(
    client: httpx.AsyncClient, database: Database
) -> None:
    order = await checked_out(client, (3, 1))
    answers = await asyncio.gather(*(confirm(client, payment(order, "failed")) for _ in range(3)))
    assert {response.status_code for response in answers} == {200}
    assert len({response.text for response in answers}) == 1
    assert await stock_of(client, 3) == 75
    assert await database.read(inbox_rows) == 1


async def test_another_payment_for_a_paid_order_is_refused(client: httpx.AsyncClient) -> None:
    order = await checked_out(client, (3, 1))
    assert (await confirm(client, payment(order, payment_id="pay_a"))).status_code == 200
    response = await confirm(client, payment(order, status="failed", payment_id="pay_b"))
    assert response.status_code == 400
    assert response.json() == {"detail": "Order already processed (status: paid)"}
    assert (await client.get(f"/orders/{order['order_id']}")).json()["status"] == "paid"
    assert await stock_of(client, 3) == 74


async def test_an_amount_that_differs_from_the_total_never_marks_the_order_paid(
    client: httpx.AsyncClient,
) -> None:
    order = await checked_out(client, (3, 2))
    short = {**payment(order), "amount": 179.97}
    response = await confirm(client, short)
    # A definitive answer (the provider stops retrying): the charge is refunded in full.
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "pending_payment" and body["refund"] == "requested"
    assert "179.97" in body["message"] and "179.98" in body["message"]
    shown = (await client.get(f"/orders/{order['order_id']}")).json()
    assert shown["status"] == "pending_payment" and shown["needs_attention"] is True
    retried = await confirm(client, short)
    assert retried.json() == response.json()


async def test_a_declined_payment_with_another_amount_is_refused(
    client: httpx.AsyncClient,
) -> None:
    order = await checked_out(client, (3, 2))
    response = await confirm(client, {**payment(order, status="failed"), "amount": 1})
    assert response.status_code == 400
    assert "does not match the order total (179.98)" in response.json()["detail"]
    assert (await client.get(f"/orders/{order['order_id']}")).json()["status"] == "pending_payment"


async def test_an_unknown_order_is_404_and_not_recorded(
    client: httpx.AsyncClient, database: Database
) -> None:
    response = await confirm(
        client, {"payment_id": "p", "order_id": "0" * 32, "amount": 1, "status": "success"}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Order not found"}
    assert await database.read(inbox_rows) == 0


async def test_a_status_other_than_success_or_failed_is_refused(
    client: httpx.AsyncClient,
) -> None:
    order = await checked_out(client, (3, 1))
    response = await confirm(client, payment(order, status="maybe"))
    assert response.status_code == 400
    assert response.json() == {"detail": "status must be either 'success' or 'failed'"}


async def test_a_signed_but_malformed_body_is_422(client: httpx.AsyncClient) -> None:
    body = b"{not json"
    headers = {signature.HEADER: signature.sign(WEBHOOK_SECRET, body)}
    response = await client.post("/payments/confirm", content=body, headers=headers)
    assert response.status_code == 422


async def test_a_payment_after_expiry_is_not_applied_and_is_refunded(
    client: httpx.AsyncClient, database: Database
) -> None:
    order = await checked_out(client, (3, 1))
    assert await database.write(expire_orders, utcnow() + timedelta(minutes=31)) == 1
    assert await stock_of(client, 3) == 75
    response = await confirm(client, payment(order))
    assert response.status_code == 200
    assert response.json() == {
        "order_id": order["order_id"],
        "status": "expired",
        "message": "Payment not applied: Order already processed (status: expired). "
        "The full amount is being refunded.",
        "refund": "requested",
    }
    assert await stock_of(client, 3) == 75
    shown = (await client.get(f"/orders/{order['order_id']}")).json()
    assert shown["status"] == "expired" and shown["payment_status"] == "paid"
    assert [event["kind"] for event in shown["history"]] == ["expired", "payment_not_applied"]


async def test_a_declined_payment_after_expiry_is_refused(
    client: httpx.AsyncClient, database: Database
) -> None:
    order = await checked_out(client, (3, 1))
    assert await database.write(expire_orders, utcnow() + timedelta(minutes=31)) == 1
    response = await confirm(client, payment(order, status="failed"))
    assert response.status_code == 400
    assert response.json() == {"detail": "Order already processed (status: expired)"}
    assert await stock_of(client, 3) == 75
