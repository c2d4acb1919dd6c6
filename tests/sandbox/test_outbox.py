"""The callback outbox: kept before sending, retried with backoff, leased to one sender."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from shopkeep.config import Settings
from shopkeep.db import Database, Tx, utcnow
from shopkeep.sandbox import service
from shopkeep.sandbox.app import store_client
from shopkeep.sandbox.models import Callback
from shopkeep.sandbox.outbox import Courier
from tests.helpers import checked_out
from tests.postgres import free_port
from tests.sandbox.conftest import STORE, InProcessShop

KEYBOARD = 3


@pytest.fixture
def shop(quiet_shop: InProcessShop) -> InProcessShop:
    """These tests send callbacks themselves: no background sender races them."""
    return quiet_shop


async def owed_callback(database: Database, order: dict[str, Any], url: str) -> tuple[str, int]:
    """A payment charged with the success card whose callback has not been sent yet."""
    new = service.NewPayment(
        order_id=order["order_id"],
        amount_cents=round(order["total"] * 100),
        currency="USD",
        return_url=None,
    )
    return await database.write(service.create_and_charge, new, "4242424242424242", url)


async def callback_row(database: Database, callback_id: int) -> Any:
    async def read(tx: Tx) -> Any:
        return (await tx.execute(select(Callback).where(Callback.id == callback_id))).one()

    return await database.read(read)


async def test_a_failed_delivery_is_recorded_and_scheduled_with_backoff(
    shop: InProcessShop, database: Database, sandbox_settings: Settings
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    closed_port = f"http://127.0.0.1:{free_port()}/payments/confirm"
    payment_id, callback_id = await owed_callback(database, order, closed_port)
    before = utcnow()
    assert await shop.courier.deliver(callback_id) is False
    after = utcnow()
    # Not due again until the backoff has passed: a second try now sends nothing.
    assert await shop.courier.deliver(callback_id) is False

    row = await callback_row(database, callback_id)
    first = sandbox_settings.callback_first_retry_seconds
    assert row.state == "pending" and row.attempts == 1 and row.leased_until is None
    assert before + timedelta(seconds=first / 2) <= row.next_attempt_at
    assert row.next_attempt_at <= after + timedelta(seconds=first)
    record = (await shop.sandbox.get(f"/payments/{payment_id}")).json()["callback"]
    [attempt] = record["deliveries"]
    assert attempt["status_code"] is None and attempt["outcome"] == "retry"
    assert "ConnectError" in attempt["error"]
    status = (await shop.store.get(f"/orders/{order['order_id']}")).json()["status"]
    assert status == "pending_payment"


async def test_a_due_callback_is_delivered_once_the_store_answers_again(
    shop: InProcessShop, database: Database, sandbox_settings: Settings
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    payment_id, callback_id = await owed_callback(
        database, order, f"http://127.0.0.1:{free_port()}/payments/confirm"
    )
    assert await shop.courier.deliver(callback_id) is False

    # The store answers at the callback's address again, and the retry falls due.
    async def retry_is_due(tx: Tx) -> None:
        await tx.execute(
            update(Callback)
            .where(Callback.id == callback_id)
            .values(url=f"{STORE}/payments/confirm", next_attempt_at=utcnow())
        )

    await database.write(retry_is_due)
    await shop.courier.deliver_due()

    row = await callback_row(database, callback_id)
    assert row.state == "delivered" and row.attempts == 2
    status = (await shop.store.get(f"/orders/{order['order_id']}")).json()["status"]
    assert status == "paid"
    deliveries = (await shop.sandbox.get(f"/payments/{payment_id}")).json()["callback"][
        "deliveries"
    ]
    assert [d["outcome"] for d in deliveries] == ["retry", "delivered"]


async def test_asking_one_sender_three_times_at_once_sends_once_and_all_hear_the_outcome(
    shop: InProcessShop, database: Database
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    payment_id, callback_id = await owed_callback(database, order, f"{STORE}/payments/confirm")
    results = await asyncio.gather(*(shop.courier.deliver(callback_id) for _ in range(3)))
    assert results == [True, True, True]
    record = (await shop.sandbox.get(f"/payments/{payment_id}")).json()["callback"]
    assert record["attempts"] == 1 and len(record["deliveries"]) == 1


async def test_senders_of_two_processes_racing_for_one_callback_send_it_once(
    shop: InProcessShop, database: Database, sandbox_settings: Settings
) -> None:
    """Two couriers stand for two sandbox processes: the lease lets one of them send."""
    order = await checked_out(shop.store, (KEYBOARD, 1))
    payment_id, callback_id = await owed_callback(database, order, f"{STORE}/payments/confirm")
    transport = httpx.ASGITransport(app=shop.store_app)
    async with store_client(sandbox_settings, transport) as client:
        other_process = Courier(database, sandbox_settings, client)
        results = await asyncio.gather(
            shop.courier.deliver(callback_id), other_process.deliver(callback_id)
        )
    assert sorted(results) == [False, True]
    record = (await shop.sandbox.get(f"/payments/{payment_id}")).json()["callback"]
    assert record["attempts"] == 1 and len(record["deliveries"]) == 1


async def test_a_callback_past_the_retry_horizon_is_abandoned(
    shop: InProcessShop, database: Database, sandbox_settings: Settings
) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    payment_id, callback_id = await owed_callback(
        database, order, f"http://127.0.0.1:{free_port()}/payments/confirm"
    )

    async def made_long_ago(tx: Tx) -> None:
        long_ago = utcnow() - timedelta(hours=sandbox_settings.callback_retry_hours)
        await tx.execute(
            update(Callback).where(Callback.id == callback_id).values(created_at=long_ago)
        )

    await database.write(made_long_ago)
    assert await shop.courier.deliver(callback_id) is False
    record = (await shop.sandbox.get(f"/payments/{payment_id}")).json()["callback"]
    assert record["state"] == "abandoned" and record["next_attempt_at"] is None
    assert record["deliveries"][-1]["outcome"] == "abandoned"


async def test_a_callback_owed_for_longer_than_the_signature_window_is_signed_afresh(
    shop: InProcessShop, database: Database
) -> None:
    """The store refuses signatures older than 5 minutes: each attempt signs anew."""
    order = await checked_out(shop.store, (KEYBOARD, 1))
    _, callback_id = await owed_callback(database, order, f"{STORE}/payments/confirm")

    async def owed_for_an_hour(tx: Tx) -> None:
        an_hour_ago = utcnow() - timedelta(hours=1)
        await tx.execute(
            update(Callback)
            .where(Callback.id == callback_id)
            .values(created_at=an_hour_ago, next_attempt_at=an_hour_ago)
        )

    await database.write(owed_for_an_hour)
    assert await shop.courier.deliver(callback_id) is True
    status = (await shop.store.get(f"/orders/{order['order_id']}")).json()["status"]
    assert status == "paid"
