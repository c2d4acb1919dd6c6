"""Staff act on orders through the back office's API: ship, mark delivered, cancel, refund,
note. Money moves through the payment sandbox over (in-process) HTTP; every test ends with
the stock invariant holding."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shopkeep.config import Settings
from shopkeep.db import Database, Tx
from shopkeep.mail.models import OutboxMail
from shopkeep.payments.models import Payment, PaymentCancellation
from tests.admin.helpers import paid_order, staff_member, staff_token
from tests.helpers import cart_with, confirm, stock_of
from tests.inprocess import (
    SANDBOX,
    STORE,
    Apps,
    client,
    refunds_asked_for,
    wired_apps,
    wired_settings,
)
from tests.invariants import assert_stock_invariant, stock_levels
from tests.mail.helpers import DETAILS

KEYBOARD, MOUSE = 3, 5  # $89.99 each, and another product
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123"}
UPS = {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}


@pytest.fixture
async def apps(database: Database, settings: Settings, sandbox_schema: None) -> AsyncIterator[Apps]:
    async with wired_apps(wired_settings(settings), database) as apps:
        yield apps


@pytest.fixture
async def store(apps: Apps) -> AsyncIterator[httpx.AsyncClient]:
    async with client(apps.store, STORE) as store:
        yield store


@pytest.fixture
async def sandbox(apps: Apps) -> AsyncIterator[httpx.AsyncClient]:
    async with client(apps.sandbox, SANDBOX) as sandbox:
        yield sandbox


@pytest.fixture
async def staff(store: httpx.AsyncClient, database: Database) -> dict[str, str]:
    await staff_member(database)
    return await staff_token(store)


@pytest.fixture
async def initial(database: Database) -> AsyncIterator[dict[int, int]]:
    """The stock before the test; the invariant is checked after it."""
    levels = await stock_levels(database)
    yield levels
    await assert_stock_invariant(database, levels)


async def placed(store: httpx.AsyncClient, *lines: tuple[int, int]) -> dict[str, Any]:
    cart_id = await cart_with(store, *lines)
    response = await store.post(f"/cart/{cart_id}/checkout", json=DETAILS)
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()
    return order


async def hosted(store: httpx.AsyncClient, order_id: str) -> str:
    started = await store.post(
        f"/orders/{order_id}/payment", json={"return_url": f"http://shop.test/orders/{order_id}"}
    )
    assert started.status_code == 201, started.text
    payment_id: str = started.json()["payment_id"]
    return payment_id


async def paid(
    store: httpx.AsyncClient, sandbox: httpx.AsyncClient, *lines: tuple[int, int]
) -> tuple[str, str]:
    """An order paid by card at the sandbox: (order id, payment id)."""
    order_id = (await placed(store, *lines))["order_id"]
    payment_id = await hosted(store, order_id)
    assert (await sandbox.post(f"/pay/{payment_id}", data=CARD)).status_code == 303
    assert (await order_of(store, order_id))["status"] == "paid"
    return order_id, payment_id


async def order_of(store: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    response = await store.get(f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()
    return order


async def staff_view(
    store: httpx.AsyncClient, staff: dict[str, str], order_id: str
) -> dict[str, Any]:
    response = await store.get(f"/admin/orders/{order_id}", headers=staff)
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()
    return order


async def outbox(database: Database, order_id: str) -> list[tuple[str, str]]:
    async def read(tx: Tx) -> list[tuple[str, str]]:
        rows = await tx.execute(
            select(OutboxMail.event, OutboxMail.event_key)
            .where(OutboxMail.order_id == order_id, OutboxMail.recipient == "customer")
            .order_by(OutboxMail.created_at, OutboxMail.event_key)
        )
        return [(row.event, row.event_key) for row in rows]

    return await database.read(read)


async def at_sandbox(sandbox: httpx.AsyncClient, payment_id: str) -> dict[str, Any]:
    payment: dict[str, Any] = (await sandbox.get(f"/payments/{payment_id}")).json()
    return payment


def refunded_cents(payment: dict[str, Any]) -> int:
    return sum(round(float(refund["amount"]) * 100) for refund in payment["refunds"])


# Shipments


async def test_staff_ship_part_then_the_rest_and_mark_both_delivered(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    order_id, _ = await paid(store, sandbox, (KEYBOARD, 2), (MOUSE, 1))
    assert (await order_of(store, order_id))["fulfilment_status"] == "unfulfilled"

    first = await store.post(
        f"/admin/orders/{order_id}/shipments",
        json={"lines": [{"product_id": KEYBOARD, "quantity": 1}], **UPS},
        headers=staff,
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "shipped" and body["carrier"] == "UPS"
    assert [(line["product_id"], line["quantity"]) for line in body["lines"]] == [(KEYBOARD, 1)]
    order = await order_of(store, order_id)
    assert order["fulfilment_status"] == "partially_shipped"
    assert order["shipments"][0]["tracking_number"] == UPS["tracking_number"]
    assert (await store.get("/admin/dashboard", headers=staff)).json()["waiting_to_ship"] == 1

    rest = await store.post(
        f"/admin/orders/{order_id}/shipments",
        json={
            "carrier": "DHL",
            "tracking_number": "JD0001",
            "tracking_url": "https://dhl.example/JD0001",
        },
        headers=staff,
    )
    assert rest.status_code == 201, rest.text
    assert sorted((line["product_id"], line["quantity"]) for line in rest.json()["lines"]) == [
        (KEYBOARD, 1),
        (MOUSE, 1),
    ]
    assert (await order_of(store, order_id))["fulfilment_status"] == "shipped"
    dashboard = (await store.get("/admin/dashboard", headers=staff)).json()
    assert dashboard["waiting_to_ship"] == 0

    for shipment in (first.json(), rest.json()):
        delivered = await store.post(
            f"/admin/orders/{order_id}/shipments/{shipment['id']}/delivered", headers=staff
        )
        assert delivered.status_code == 200, delivered.text
    again = await store.post(
        f"/admin/orders/{order_id}/shipments/{first.json()['id']}/delivered", headers=staff
    )
    assert again.status_code == 400
    assert again.json() == {"detail": "This shipment was already marked delivered."}

    order = await order_of(store, order_id)
    assert order["fulfilment_status"] == "delivered"
    assert order["status"] == "paid" and order["payment_status"] == "paid"
    kinds = [event["kind"] for event in order["history"]]
    assert kinds == ["paid", "shipped", "shipped", "delivered", "delivered"]
    assert "JD0001" in order["history"][2]["message"]
    shipped = [key for event, key in await outbox(database, order_id) if event == "shipped"]
    assert shipped == [f"shipped:{first.json()['id']}", f"shipped:{rest.json()['id']}"]


async def test_shipping_more_than_remains_or_an_unpaid_order_is_refused_and_changes_nothing(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    order_id, _ = await paid(store, sandbox, (KEYBOARD, 2))
    too_many = await store.post(
        f"/admin/orders/{order_id}/shipments",
        json={"lines": [{"product_id": KEYBOARD, "quantity": 3}], **UPS},
        headers=staff,
    )
    assert too_many.status_code == 400
    assert too_many.json()["detail"].startswith("Only 2 of ")
    stranger = await store.post(
        f"/admin/orders/{order_id}/shipments",
        json={"lines": [{"product_id": MOUSE, "quantity": 1}], **UPS},
        headers=staff,
    )
    assert stranger.status_code == 400
    assert stranger.json() == {"detail": f"Product {MOUSE} is not on this order."}
    order = await order_of(store, order_id)
    assert order["shipments"] == [] and order["fulfilment_status"] == "unfulfilled"

    pending = (await placed(store, (KEYBOARD, 1)))["order_id"]
    unpaid = await store.post(f"/admin/orders/{pending}/shipments", json=UPS, headers=staff)
    assert unpaid.status_code == 400
    assert unpaid.json() == {
        "detail": "Only a paid order can be shipped (this one is pending_payment)."
    }
    assert await outbox(database, order_id) == [("paid", "paid")]


async def test_two_shipments_of_the_same_units_at_once_ship_them_once(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    staff: dict[str, str],
    initial: dict[int, int],
) -> None:
    order_id, _ = await paid(store, sandbox, (KEYBOARD, 2))
    answers = await asyncio.gather(
        *(
            store.post(f"/admin/orders/{order_id}/shipments", json=UPS, headers=staff)
            for _ in range(2)
        )
    )
    assert sorted(answer.status_code for answer in answers) == [201, 400]
    order = await order_of(store, order_id)
    assert len(order["shipments"]) == 1
    assert order["shipments"][0]["lines"][0]["quantity"] == 2


# Cancel


async def test_cancelling_a_pending_order_puts_its_stock_back_and_cancels_its_payment(
    store: httpx.AsyncClient, staff: dict[str, str], database: Database, initial: dict[int, int]
) -> None:
    order_id = (await placed(store, (KEYBOARD, 2)))["order_id"]
    payment_id = await hosted(store, order_id)
    assert await stock_of(store, KEYBOARD) == initial[KEYBOARD] - 2

    cancelled = await store.post(f"/admin/orders/{order_id}/cancel", headers=staff)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json() == {"order_id": order_id, "status": "cancelled", "refund": None}
    assert await stock_of(store, KEYBOARD) == initial[KEYBOARD]

    async def payment(tx: Tx) -> tuple[str, int]:
        status = await tx.scalar(select(Payment.status).where(Payment.id == payment_id))
        jobs = await tx.scalar(
            select(PaymentCancellation.id).where(PaymentCancellation.payment_id == payment_id)
        )
        return str(status), int(jobs is not None)

    assert await database.read(payment) == ("cancelled", 1)
    order = await order_of(store, order_id)
    assert order["status"] == "cancelled"
    assert order["history"][-1]["kind"] == "cancelled"
    assert order["history"][-1]["actor"] == "olivia"
    assert await outbox(database, order_id) == [("cancelled", "cancelled")]

    twice = await store.post(f"/admin/orders/{order_id}/cancel", headers=staff)
    assert twice.status_code == 400
    assert twice.json() == {
        "detail": "Only a pending or paid order can be cancelled (this one is cancelled)."
    }


async def test_cancelling_a_paid_order_refunds_it_in_full_at_the_sandbox_once(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    order_id, payment_id = await paid(store, sandbox, (KEYBOARD, 1), (MOUSE, 2))
    total = (await order_of(store, order_id))["total"]
    cancelled = await store.post(f"/admin/orders/{order_id}/cancel", headers=staff)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["refund"]["amount"] == total
    assert cancelled.json()["refund"]["status"] == "pending"
    assert await stock_of(store, KEYBOARD) == initial[KEYBOARD]
    assert await stock_of(store, MOUSE) == initial[MOUSE]

    assert await refunds_asked_for(apps, database) == 1
    assert await refunds_asked_for(apps, database) == 0
    payment = await at_sandbox(sandbox, payment_id)
    assert payment["refunded"] is True and len(payment["refunds"]) == 1
    order = await order_of(store, order_id)
    assert order["status"] == "cancelled" and order["payment_status"] == "refunded"
    assert [kind for kind, _ in await outbox(database, order_id)] == [
        "paid",
        "cancelled",
        "refunded",
    ]
    view = await staff_view(store, staff, order_id)
    assert [refund["status"] for refund in view["refunds"]] == ["succeeded"]


async def test_an_order_with_a_shipment_cannot_be_cancelled(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    staff: dict[str, str],
    initial: dict[int, int],
) -> None:
    order_id, _ = await paid(store, sandbox, (KEYBOARD, 2))
    ship = {"lines": [{"product_id": KEYBOARD, "quantity": 1}], **UPS}
    assert (
        await store.post(f"/admin/orders/{order_id}/shipments", json=ship, headers=staff)
    ).status_code == 201
    refused = await store.post(f"/admin/orders/{order_id}/cancel", headers=staff)
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "This order cannot be cancelled: part of it has already shipped."
    }
    order = await order_of(store, order_id)
    assert order["status"] == "paid" and order["payment_status"] == "paid"


async def test_a_cancel_racing_a_shipment_leaves_one_of_them(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    order_id, payment_id = await paid(store, sandbox, (KEYBOARD, 1))
    shipped, cancelled = await asyncio.gather(
        store.post(f"/admin/orders/{order_id}/shipments", json=UPS, headers=staff),
        store.post(f"/admin/orders/{order_id}/cancel", headers=staff),
    )
    assert sorted([shipped.status_code, cancelled.status_code]) in ([200, 400], [201, 400])
    await refunds_asked_for(apps, database)
    order = await order_of(store, order_id)
    payment = await at_sandbox(sandbox, payment_id)
    if shipped.status_code == 201:
        assert order["status"] == "paid" and len(order["shipments"]) == 1
        assert payment["refunds"] == []
        assert await stock_of(store, KEYBOARD) == initial[KEYBOARD] - 1
    else:
        assert order["status"] == "cancelled" and order["shipments"] == []
        assert order["payment_status"] == "refunded" and len(payment["refunds"]) == 1


async def test_a_cancel_racing_the_payment_callback_ends_cancelled_and_refunded_once(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    order_id = (await placed(store, (KEYBOARD, 1)))["order_id"]
    payment_id = await hosted(store, order_id)
    cancelled, card = await asyncio.gather(
        store.post(f"/admin/orders/{order_id}/cancel", headers=staff),
        sandbox.post(f"/pay/{payment_id}", data=CARD),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert card.status_code == 303
    assert await refunds_asked_for(apps, database) == 1
    assert await refunds_asked_for(apps, database) == 0
    order = await order_of(store, order_id)
    assert order["status"] == "cancelled"
    payment = await at_sandbox(sandbox, payment_id)
    assert payment["refunded"] is True
    assert refunded_cents(payment) == round(order["total"] * 100)
    assert await stock_of(store, KEYBOARD) == initial[KEYBOARD]


async def test_a_payment_after_a_staff_cancel_is_refunded_saying_the_shop_cancelled(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    order_id = (await placed(store, (KEYBOARD, 1)))["order_id"]
    payment_id = await hosted(store, order_id)
    cancelled = await store.post(f"/admin/orders/{order_id}/cancel", headers=staff)
    assert cancelled.status_code == 200, cancelled.text
    # The provider's page is still open (its cancellation job has not run): the shopper pays.
    assert (await sandbox.post(f"/pay/{payment_id}", data=CARD)).status_code == 303
    assert await refunds_asked_for(apps, database) == 1

    order = await order_of(store, order_id)
    assert order["status"] == "cancelled" and order["payment_status"] == "refunded"
    [unapplied] = [e for e in order["history"] if e["kind"] == "payment_not_applied"]
    assert unapplied["message"].startswith(
        "Your payment arrived after the shop had cancelled the order ($89.99)"
    )
    assert "newer checkout" not in str(order["history"])
    assert refunded_cents(await at_sandbox(sandbox, payment_id)) == 8999

    # A checkout replaced by a newer one of the same cart still says so.
    cart_id = await cart_with(store, (MOUSE, 1))
    first = (await store.post(f"/cart/{cart_id}/checkout", json=DETAILS)).json()
    await store.post(f"/cart/{cart_id}/checkout", json=DETAILS)
    late = await confirm(
        store,
        {
            "payment_id": "pay_late",
            "order_id": first["order_id"],
            "amount": first["total"],
            "status": "success",
        },
    )
    assert late.status_code == 200, late.text
    replaced = await order_of(store, first["order_id"])
    assert replaced["history"][-1]["message"].startswith(
        "Your payment arrived after the order was replaced by a newer checkout"
    )


# Refunds


async def refund(
    store: httpx.AsyncClient, staff: dict[str, str], order_id: str, key: str, **body: Any
) -> httpx.Response:
    return await store.post(
        f"/admin/orders/{order_id}/refunds",
        json=body,
        headers={**staff, "Idempotency-Key": key},
    )


async def test_a_line_refund_puts_the_units_back_and_the_payment_is_partially_refunded(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    order_id, payment_id = await paid(store, sandbox, (KEYBOARD, 2), (MOUSE, 1))
    order = await order_of(store, order_id)
    keyboard = next(item for item in order["items"] if item["product_id"] == KEYBOARD)
    made = await refund(
        store,
        staff,
        order_id,
        "form-1",
        lines=[{"product_id": KEYBOARD, "quantity": 1}],
        reason="Arrived scratched",
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["amount"] == keyboard["price"] and body["status"] == "pending"
    assert body["lines"] == [{"product_id": KEYBOARD, "quantity": 1, "restock": True}]
    assert await stock_of(store, KEYBOARD) == initial[KEYBOARD] - 1

    assert await refunds_asked_for(apps, database) == 1
    order = await order_of(store, order_id)
    assert order["payment_status"] == "partially_refunded"
    assert order["refunded"] == keyboard["price"]
    assert order["history"][-1]["kind"] == "refunded"
    assert refunded_cents(await at_sandbox(sandbox, payment_id)) == round(keyboard["price"] * 100)

    # Only one keyboard is left to ship now.
    ship = await store.post(f"/admin/orders/{order_id}/shipments", json=UPS, headers=staff)
    assert sorted((x["product_id"], x["quantity"]) for x in ship.json()["lines"]) == [
        (KEYBOARD, 1),
        (MOUSE, 1),
    ]
    assert (await order_of(store, order_id))["fulfilment_status"] == "shipped"

    # The rest, by amount: at most what is left.
    left = round((order["total"] - keyboard["price"]) * 100)
    above = await refund(store, staff, order_id, "form-2", amount=(left + 1) / 100)
    assert above.status_code == 400
    assert above.json()["detail"].startswith("The refund ($")
    assert "is more than what is left to refund" in above.json()["detail"]
    rest = await refund(store, staff, order_id, "form-3", amount=left / 100)
    assert rest.status_code == 201, rest.text
    assert await refunds_asked_for(apps, database) == 1
    assert (await order_of(store, order_id))["payment_status"] == "refunded"
    refunded = [kind for kind, _ in await outbox(database, order_id)].count("refunded")
    assert refunded == 2


async def test_units_already_refunded_on_a_line_cannot_be_refunded_again(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    order_id, _ = await paid(store, sandbox, (KEYBOARD, 3), (MOUSE, 1))
    two = [{"product_id": KEYBOARD, "quantity": 2, "restock": False}]
    assert (await refund(store, staff, order_id, "first", lines=two)).status_code == 201
    before = await staff_view(store, staff, order_id)

    again = await refund(store, staff, order_id, "second", lines=two)
    assert again.status_code == 400
    assert again.json() == {
        "detail": "Only 1 unit of 'Mechanical Keyboard' is left to refund on that line "
        "(asked to refund 2)."
    }
    twice = [{"product_id": MOUSE, "quantity": 1}, {"product_id": MOUSE, "quantity": 1}]
    named_twice = await refund(store, staff, order_id, "third", lines=twice)
    assert named_twice.status_code == 400
    assert named_twice.json() == {"detail": f"Product {MOUSE} is named twice."}
    assert await staff_view(store, staff, order_id) == before
    assert await stock_of(store, MOUSE) == initial[MOUSE] - 1

    last = await refund(store, staff, order_id, "fourth", lines=[{**two[0], "quantity": 1}])
    assert last.status_code == 201, last.text
    none_left = await refund(store, staff, order_id, "fifth", lines=[{**two[0], "quantity": 1}])
    assert none_left.json() == {
        "detail": "Every unit of 'Mechanical Keyboard' has already been refunded "
        "(asked to refund 1)."
    }
    assert await refunds_asked_for(apps, database) == 2


async def test_line_refunds_at_once_never_refund_more_units_than_the_line_has(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    order_id, payment_id = await paid(store, sandbox, (KEYBOARD, 3))
    two = [{"product_id": KEYBOARD, "quantity": 2}]
    answers = await asyncio.gather(
        *(refund(store, staff, order_id, f"form-{n}", lines=two) for n in range(3))
    )
    assert sorted(answer.status_code for answer in answers) == [201, 400, 400]
    assert await stock_of(store, KEYBOARD) == initial[KEYBOARD] - 1
    assert await refunds_asked_for(apps, database) == 1
    assert refunded_cents(await at_sandbox(sandbox, payment_id)) == 2 * 8999


async def test_the_same_refund_submitted_twice_at_once_refunds_once(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    order_id, payment_id = await paid(store, sandbox, (KEYBOARD, 2))
    lines = [{"product_id": KEYBOARD, "quantity": 1}]
    answers = await asyncio.gather(
        *(refund(store, staff, order_id, "double-click", lines=lines) for _ in range(3))
    )
    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert await stock_of(store, KEYBOARD) == initial[KEYBOARD] - 1
    assert await refunds_asked_for(apps, database) == 1
    payment = await at_sandbox(sandbox, payment_id)
    assert len(payment["refunds"]) == 1
    view = await staff_view(store, staff, order_id)
    assert len(view["refunds"]) == 1


async def test_a_refund_the_provider_refuses_is_shown_failed_and_can_be_retried(
    store: httpx.AsyncClient, apps: Apps, staff: dict[str, str], database: Database
) -> None:
    # Paid by a callback for a payment the sandbox never made: it cannot refund it.
    order = await paid_order(store, (KEYBOARD, 1), payment_id="pay_unknown_to_the_sandbox")
    made = await refund(store, staff, order["order_id"], "k1", amount=10)
    assert made.status_code == 201, made.text
    assert await refunds_asked_for(apps, database) == 1
    [shown] = (await staff_view(store, staff, order["order_id"]))["refunds"]
    assert shown["status"] == "failed" and shown["last_error"]
    retried = await store.post(
        f"/admin/orders/{order['order_id']}/refunds/{shown['id']}/retry", headers=staff
    )
    assert retried.status_code == 200, retried.text
    assert await refunds_asked_for(apps, database) == 1  # asked again at once
    assert (await order_of(store, order["order_id"]))["payment_status"] == "paid"


async def test_refunds_of_unpaid_orders_and_bad_requests_are_refused(
    store: httpx.AsyncClient, staff: dict[str, str], initial: dict[int, int]
) -> None:
    order_id = (await placed(store, (KEYBOARD, 1)))["order_id"]
    unpaid = await refund(store, staff, order_id, "k", amount=1)
    assert unpaid.status_code == 400
    assert "pending_payment" in unpaid.json()["detail"]
    no_key = await store.post(
        f"/admin/orders/{order_id}/refunds", json={"amount": 1}, headers=staff
    )
    assert no_key.status_code == 422
    both = await refund(
        store, staff, order_id, "k", amount=1, lines=[{"product_id": 3, "quantity": 1}]
    )
    assert both.status_code == 422


# Notes and the staff's view


async def test_a_staff_note_is_internal(
    store: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    order_id, payment_id = await paid(store, sandbox, (KEYBOARD, 1))
    noted = await store.post(
        f"/admin/orders/{order_id}/notes",
        json={"text": "Customer called about gift wrap"},
        headers=staff,
    )
    assert noted.status_code == 201, noted.text
    assert noted.json()["actor"] == "olivia" and noted.json()["public"] is False
    blank = await store.post(f"/admin/orders/{order_id}/notes", json={"text": "  "}, headers=staff)
    assert blank.status_code == 422
    public = await order_of(store, order_id)
    assert all(event["kind"] != "note" for event in public["history"])
    view = await staff_view(store, staff, order_id)
    assert [note["message"] for note in view["notes"]] == ["Customer called about gift wrap"]
    assert [event["kind"] for event in view["history"]] == ["paid", "note"]
    assert view["payments"][0]["payment_id"] == payment_id
    assert view["refunds"] == [] and view["shipments"] == []
    anonymous = await store.post(f"/admin/orders/{order_id}/notes", json={"text": "x"})
    assert anonymous.status_code == 401


# The order list's status filters


async def test_the_list_filters_by_payment_and_fulfilment_status_as_each_order_shows_them(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
    initial: dict[int, int],
) -> None:
    pending = (await placed(store, (KEYBOARD, 1)))["order_id"]
    unshipped, _ = await paid(store, sandbox, (KEYBOARD, 1))
    partly, _ = await paid(store, sandbox, (KEYBOARD, 2))
    delivered, _ = await paid(store, sandbox, (MOUSE, 1))
    put_back, _ = await paid(store, sandbox, (KEYBOARD, 1), (MOUSE, 1))
    cancelled, _ = await paid(store, sandbox, (MOUSE, 1))

    async def ship(order_id: str, *lines: tuple[int, int]) -> dict[str, Any]:
        units = [{"product_id": p, "quantity": q} for p, q in lines]
        body = {**UPS, "lines": units} if units else UPS
        response = await store.post(f"/admin/orders/{order_id}/shipments", json=body, headers=staff)
        assert response.status_code == 201, response.text
        shipment: dict[str, Any] = response.json()
        return shipment

    await ship(partly, (KEYBOARD, 1))
    await refund(store, staff, partly, "some", amount=10)
    shipment = await ship(delivered)
    await store.post(
        f"/admin/orders/{delivered}/shipments/{shipment['id']}/delivered", headers=staff
    )
    # The keyboard shipped; the mouse refunded and put back: nothing is left to ship.
    await ship(put_back, (KEYBOARD, 1))
    await refund(store, staff, put_back, "mouse", lines=[{"product_id": MOUSE, "quantity": 1}])
    await store.post(f"/admin/orders/{cancelled}/cancel", headers=staff)
    await refunds_asked_for(apps, database)

    orders = [pending, unshipped, partly, delivered, put_back, cancelled]
    shown = {order_id: await order_of(store, order_id) for order_id in orders}
    expected = {
        pending: ("unpaid", "unfulfilled"),
        unshipped: ("paid", "unfulfilled"),
        partly: ("partially_refunded", "partially_shipped"),
        delivered: ("paid", "delivered"),
        put_back: ("partially_refunded", "shipped"),
        cancelled: ("refunded", "unfulfilled"),
    }
    assert {o: (v["payment_status"], v["fulfilment_status"]) for o, v in shown.items()} == expected

    async def found(**params: str) -> set[str]:
        response = await store.get(
            "/admin/orders", params={**params, "page_size": "100"}, headers=staff
        )
        assert response.status_code == 200, response.text
        return {o["order_id"] for o in response.json()["orders"]}

    for field, statuses in (
        ("payment_status", ("unpaid", "paid", "partially_refunded", "refunded")),
        ("fulfilment_status", ("unfulfilled", "partially_shipped", "shipped", "delivered")),
    ):
        for status in statuses:
            wanted = {o for o, v in shown.items() if v[field] == status}
            assert await found(**{field: status}) == wanted, (field, status)
    listed = (await store.get("/admin/orders", headers=staff)).json()["orders"]
    assert {o["order_id"]: (o["payment_status"], o["fulfilment_status"]) for o in listed} == (
        expected
    )
    both = await found(payment_status="partially_refunded", fulfilment_status="shipped")
    assert both == {put_back}
    exported = await store.get(
        "/admin/orders.csv", params={"fulfilment_status": "partially_shipped"}, headers=staff
    )
    assert {line.split(",")[0] for line in exported.text.splitlines()[1:]} == {partly}
    assert 'filename="orders-partially-shipped.csv"' in exported.headers["content-disposition"]
