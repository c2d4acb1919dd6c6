"""A charge either pays its order or is refunded, between real processes: `shopkeep store` and
`shopkeep payments` on loopback ports, over SQLite and PostgreSQL, with a store that is away
and a sandbox killed with SIGKILL. Each case ends with the money refunded once at the sandbox
and the order's status and the stock invariant consistent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from shopkeep.db import Tx, create_database, utcnow
from shopkeep.orders.models import Order
from shopkeep.orders.service import expire_orders
from shopkeep.refunds.service import REFUNDS
from tests.conftest import WEBHOOK_SECRET
from tests.helpers import empty_database, signed_callback
from tests.invariants import assert_stock_invariant, stock_levels
from tests.postgres import free_port
from tests.servers import Server, eventually, running

pytestmark = pytest.mark.slow

KEYBOARD = 3  # $89.99
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123"}
DECLINED = {**CARD, "card_number": "4000 0000 0000 0002"}
BACK = "http://127.0.0.1:9/orders/back"


@dataclass
class Pair:
    """Where a store and its sandbox run, and the settings both are started with."""

    env: dict[str, str]
    database_url: str
    store_url: str
    payments_url: str

    @contextmanager
    def store(self) -> Iterator[Server]:
        port = self.store_url.rsplit(":", 1)[1]
        args = ("store", "--host", "127.0.0.1", "--port", port)
        with running(args, self.env, url=self.store_url) as server:
            yield server

    @contextmanager
    def sandbox(self) -> Iterator[Server]:
        port = self.payments_url.rsplit(":", 1)[1]
        args = ("payments", "--host", "127.0.0.1", "--port", port)
        with running(args, self.env, url=self.payments_url) as server:
            yield server

    def run(self, work: Any, *args: Any) -> Any:
        """Run `work(tx, *args)` on the store's database from the test."""

        async def go() -> Any:
            database = create_database(self.database_url)
            try:
                return await work(database, *args)
            finally:
                await database.close()

        return asyncio.run(go())


@pytest.fixture
def pair(database_url: str, tmp_path: Path) -> Pair:
    url = asyncio.run(empty_database(database_url, tmp_path))
    store_port, payments_port = free_port(), free_port()
    store_url, payments_url = (f"http://127.0.0.1:{p}" for p in (store_port, payments_port))
    env = {
        "SHOPKEEP_DATA_DIR": str(tmp_path),
        "SHOPKEEP_DATABASE_URL": url,
        # The sandbox's tables beside the store's: they share no names.
        "SHOPKEEP_SANDBOX_DATABASE_URL": url,
        "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SHOPKEEP_STORE_URL": store_url,
        "SHOPKEEP_PAYMENTS_URL": payments_url,
        "SHOPKEEP_EXPIRE_INTERVAL_SECONDS": "0.2",
        "SHOPKEEP_CALLBACK_FIRST_RETRY_SECONDS": "0.1",
        "SHOPKEEP_CALLBACK_MAX_RETRY_SECONDS": "0.5",
        "SHOPKEEP_MERCHANT_NAME": "Test Shop",
    }
    return Pair(env, url, store_url, payments_url)


def checkout(store: httpx.Client, cart_id: str | None = None) -> dict[str, Any]:
    if cart_id is None:
        cart_id = store.post("/cart").json()["cart_id"]
        added = store.post(f"/cart/{cart_id}/items", json={"product_id": KEYBOARD, "quantity": 1})
        assert added.status_code == 200, added.text
    order = store.post(f"/cart/{cart_id}/checkout")
    assert order.status_code == 200, order.text
    return {**order.json(), "cart_id": cart_id}


def hosted(store: httpx.Client, order_id: str) -> dict[str, Any]:
    started = store.post(f"/orders/{order_id}/payment", json={"return_url": BACK})
    assert started.status_code == 201, started.text
    body: dict[str, Any] = started.json()
    return body


def sandbox_payment(sandbox: httpx.Client, order: dict[str, Any], **fields: Any) -> str:
    """A payment made at the sandbox directly, as another page or seed 001's script would."""
    response = sandbox.post(
        "/payments/orders",
        json={"order_id": order["order_id"], "amount": order["total"], **fields},
    )
    assert response.status_code == 201, response.text
    payment_id: str = response.json()["payment_id"]
    return payment_id


def refunded_at_sandbox(sandbox: httpx.Client, payment_id: str) -> list[dict[str, Any]] | None:
    """The payment's refunds once it is refunded in full and the store has heard of it."""
    payment = sandbox.get(f"/payments/{payment_id}").json()
    if not payment["refunded"]:
        return None
    if any(refund["callback"]["state"] != "delivered" for refund in payment["refunds"]):
        return None
    refunds: list[dict[str, Any]] = payment["refunds"]
    return refunds


def delivered(callback: dict[str, Any]) -> dict[str, Any] | None:
    return callback if callback["state"] == "delivered" else None


def expire_now(pair: Pair, order_id: str, *, expire: bool = False) -> None:
    """Make the order overdue (the running store's upkeep expires it), or, with `expire`, also
    expire it here (the store being away)."""

    async def past_due(database: Any) -> None:
        async def work(tx: Tx) -> None:
            await tx.execute(update(Order).where(Order.id == order_id).values(expires_at=utcnow()))

        await database.write(work)
        if expire:
            assert await database.write(expire_orders) == 1

    pair.run(past_due)


def assert_refunded_once(sandbox: httpx.Client, payment_id: str, amount: float) -> None:
    refunds = eventually(lambda: refunded_at_sandbox(sandbox, payment_id), "a full refund")
    assert [refund["amount"] for refund in refunds] == [amount]


def assert_invariant(pair: Pair, initial: dict[int, int]) -> None:
    pair.run(assert_stock_invariant, initial)


def test_a_charge_for_an_order_that_expired_while_the_store_was_away_is_refunded_once(
    pair: Pair,
) -> None:
    with pair.sandbox(), httpx.Client(base_url=pair.payments_url) as sandbox:
        with pair.store() as server, httpx.Client(base_url=pair.store_url) as store:
            initial = pair.run(stock_levels)
            order = checkout(store)
            payment = hosted(store, order["order_id"])
            server.kill()
        # The shopper pays while the store is away; the callback waits in the outbox.
        paid = httpx.post(payment["checkout_url"], data=CARD)
        assert paid.status_code == 303
        expire_now(pair, order["order_id"], expire=True)
        with pair.store(), httpx.Client(base_url=pair.store_url) as store:
            assert_refunded_once(sandbox, payment["payment_id"], order["total"])
            shown = store.get(f"/orders/{order['order_id']}").json()
            assert shown["status"] == "expired"
            assert shown["payment_status"] == "refunded" and shown["refunded"] == order["total"]
            kinds = [event["kind"] for event in shown["history"]]
            assert kinds == ["expired", "payment_not_applied", "refunded"]
            callback = sandbox.get(f"/payments/{payment['payment_id']}").json()["callback"]
            assert callback["state"] == "delivered"
            assert callback["deliveries"][-1]["status_code"] == 200
            assert_invariant(pair, initial)


def test_an_expired_orders_payment_page_is_cancelled_and_charges_nothing(pair: Pair) -> None:
    with (
        pair.sandbox(),
        pair.store(),
        httpx.Client(base_url=pair.payments_url) as sandbox,
        httpx.Client(base_url=pair.store_url) as store,
    ):
        initial = pair.run(stock_levels)
        order = checkout(store)
        payment = hosted(store, order["order_id"])
        expire_now(pair, order["order_id"])
        eventually(
            lambda: (
                sandbox.get(f"/payments/{payment['payment_id']}").json()["status"] == "cancelled"
                or None
            ),
            "the store to cancel the payment",
        )
        page = httpx.post(payment["checkout_url"], data=CARD)
        assert page.status_code == 409
        assert "Test Shop cancelled this payment, so it cannot be paid" in page.text
        assert sandbox.get(f"/payments/{payment['payment_id']}").json()["status"] == "cancelled"
        assert store.get(f"/orders/{order['order_id']}").json()["payment_status"] == "unpaid"
        assert_invariant(pair, initial)


def test_one_open_payment_per_order_and_a_second_charge_is_refunded(pair: Pair) -> None:
    with (
        pair.sandbox(),
        pair.store(),
        httpx.Client(base_url=pair.payments_url) as sandbox,
        httpx.Client(base_url=pair.store_url) as store,
    ):
        initial = pair.run(stock_levels)
        order = checkout(store)
        first, again = hosted(store, order["order_id"]), hosted(store, order["order_id"])
        assert again["payment_id"] == first["payment_id"]
        assert httpx.post(first["checkout_url"], data=CARD).status_code == 303
        assert store.get(f"/orders/{order['order_id']}").json()["status"] == "paid"
        # A second charge for the paid order (another client, seed 001's way).
        second = sandbox_payment(sandbox, order)
        assert_refunded_once(sandbox, second, order["total"])
        assert sandbox.get(f"/payments/{first['payment_id']}").json()["refunds"] == []
        shown = store.get(f"/orders/{order['order_id']}").json()
        assert (shown["status"], shown["payment_status"]) == ("paid", "paid")
        assert shown["payment_id"] == first["payment_id"]
        assert_invariant(pair, initial)


def test_a_charge_after_a_decline_on_another_page_is_refunded(pair: Pair) -> None:
    with (
        pair.sandbox(),
        pair.store(),
        httpx.Client(base_url=pair.payments_url) as sandbox,
        httpx.Client(base_url=pair.store_url) as store,
    ):
        initial = pair.run(stock_levels)
        order = checkout(store)
        other_page = sandbox_payment(sandbox, order, return_url=BACK)
        first = hosted(store, order["order_id"])
        assert httpx.post(first["checkout_url"], data=DECLINED).status_code == 303
        assert store.get(f"/orders/{order['order_id']}").json()["status"] == "payment_failed"
        assert httpx.post(f"{pair.payments_url}/pay/{other_page}", data=CARD).status_code == 303
        assert_refunded_once(sandbox, other_page, order["total"])
        shown = store.get(f"/orders/{order['order_id']}").json()
        assert (shown["status"], shown["payment_status"]) == ("payment_failed", "refunded")
        assert_invariant(pair, initial)


def test_paying_a_replaced_order_is_refunded_and_its_store_page_is_cancelled(
    pair: Pair,
) -> None:
    with (
        pair.sandbox(),
        pair.store(),
        httpx.Client(base_url=pair.payments_url) as sandbox,
        httpx.Client(base_url=pair.store_url) as store,
    ):
        initial = pair.run(stock_levels)
        order = checkout(store)
        started = hosted(store, order["order_id"])
        other_page = sandbox_payment(sandbox, order, return_url=BACK)
        newer = checkout(store, order["cart_id"])
        assert store.get(f"/orders/{order['order_id']}").json()["status"] == "cancelled"
        eventually(
            lambda: (
                sandbox.get(f"/payments/{started['payment_id']}").json()["status"] == "cancelled"
                or None
            ),
            "the store to cancel the replaced order's payment",
        )
        assert httpx.post(f"{pair.payments_url}/pay/{other_page}", data=CARD).status_code == 303
        assert_refunded_once(sandbox, other_page, order["total"])
        assert store.get(f"/orders/{order['order_id']}").json()["status"] == "cancelled"
        assert store.get(f"/orders/{newer['order_id']}").json()["status"] == "pending_payment"
        assert_invariant(pair, initial)


def test_a_charge_of_another_amount_is_refunded_and_never_pays(pair: Pair) -> None:
    with (
        pair.sandbox(),
        pair.store(),
        httpx.Client(base_url=pair.payments_url) as sandbox,
        httpx.Client(base_url=pair.store_url) as store,
    ):
        initial = pair.run(stock_levels)
        order = checkout(store)
        wrong = sandbox_payment(sandbox, {**order, "total": 1.5})
        assert_refunded_once(sandbox, wrong, 1.5)
        callback = sandbox.get(f"/payments/{wrong}").json()["callback"]
        assert [d["status_code"] for d in callback["deliveries"]] == [200]
        shown = store.get(f"/orders/{order['order_id']}").json()
        assert shown["status"] == "pending_payment" and shown["needs_attention"] is True
        assert_invariant(pair, initial)


def test_a_refund_callback_is_applied_once_across_a_sandbox_kill(pair: Pair) -> None:
    with pair.sandbox() as sandbox_server, httpx.Client(base_url=pair.payments_url) as sandbox:
        with pair.store() as store_server, httpx.Client(base_url=pair.store_url) as store:
            order = checkout(store)
            paid = sandbox_payment(sandbox, order)
            eventually(
                lambda: (
                    store.get(f"/orders/{order['order_id']}").json()["status"] == "paid" or None
                ),
                "the order to be paid",
            )
            store_server.kill()
        # Refunded while the store is away; the sandbox dies before it could tell it.
        made = sandbox.post(
            f"/payments/{paid}/refunds", json={"amount": 20}, headers={"Idempotency-Key": "r1"}
        )
        assert made.status_code == 201, made.text
        sandbox_server.kill()
    with (
        pair.store(),
        pair.sandbox(),
        httpx.Client(base_url=pair.payments_url) as sandbox,
        httpx.Client(base_url=pair.store_url) as store,
    ):
        callback = eventually(
            lambda: delivered(sandbox.get(f"/payments/{paid}").json()["refunds"][0]["callback"]),
            "the refund callback to be delivered",
        )
        assert callback["deliveries"][-1]["status_code"] == 200
        again = sandbox.post(
            f"/payments/{paid}/refunds", json={"amount": 20}, headers={"Idempotency-Key": "r1"}
        )
        assert again.json()["refund_id"] == made.json()["refund_id"]
        shown = store.get(f"/orders/{order['order_id']}").json()
        assert shown["refunded"] == 20 and shown["payment_status"] == "partially_refunded"
        assert [event["kind"] for event in shown["history"]].count("refunded") == 1


def refund_jobs(pair: Pair) -> list[dict[str, Any]]:
    async def read(database: Any) -> list[dict[str, Any]]:
        async def work(tx: Tx) -> list[dict[str, Any]]:
            return [dict(row) for row in (await tx.execute(select(REFUNDS))).mappings()]

        rows: list[dict[str, Any]] = await database.read(work)
        return rows

    jobs: list[dict[str, Any]] = pair.run(read)
    return jobs


def test_a_refund_the_sandbox_cannot_take_is_retried_across_a_store_restart(
    pair: Pair,
) -> None:
    with pair.sandbox() as sandbox_server:
        with pair.store() as store_server, httpx.Client(base_url=pair.store_url) as store:
            initial = pair.run(stock_levels)
            order = checkout(store)
            payment = hosted(store, order["order_id"])
            store_server.kill()
        assert httpx.post(payment["checkout_url"], data=CARD).status_code == 303
        sandbox_server.kill()
    expire_now(pair, order["order_id"], expire=True)
    # The sandbox's callback reaches the store while the sandbox itself is away.
    body, headers = signed_callback(
        {
            "payment_id": payment["payment_id"],
            "order_id": order["order_id"],
            "amount": order["total"],
            "status": "success",
        }
    )
    with pair.store() as store_server:
        answer = httpx.post(f"{pair.store_url}/payments/confirm", content=body, headers=headers)
        assert answer.status_code == 200 and answer.json()["refund"] == "requested"
        eventually(
            lambda: (
                [job for job in refund_jobs(pair) if job["attempts"] >= 1 and job["last_error"]]
                or None
            ),
            "a failed attempt at the refund",
        )
        store_server.kill()
    [job] = refund_jobs(pair)
    assert job["state"] == "waiting" and job["provider_refund_id"] is None
    with (
        pair.store(),
        pair.sandbox(),
        httpx.Client(base_url=pair.payments_url) as sandbox,
        httpx.Client(base_url=pair.store_url) as store,
    ):
        refunds = eventually(
            lambda: refunded_at_sandbox(sandbox, payment["payment_id"]), "the refund", 60.0
        )
        assert [refund["amount"] for refund in refunds] == [order["total"]]
        [job] = refund_jobs(pair)
        assert job["state"] == "done" and job["provider_refund_id"] == refunds[0]["refund_id"]
        shown = store.get(f"/orders/{order['order_id']}").json()
        assert (shown["status"], shown["payment_status"]) == ("expired", "refunded")
        assert_invariant(pair, initial)
