"""Payments between real servers: `shopkeep serve`, `shopkeep store` and `shopkeep payments`
on loopback ports, with restarts, a store that is away, and a sandbox killed with SIGKILL."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest

from shopkeep import signature
from tests.conftest import WEBHOOK_SECRET, skip_or_fail
from tests.postgres import free_port
from tests.servers import Shop, eventually, running_payments, running_shop, running_store

pytestmark = pytest.mark.slow

KEYBOARD = 3  # $89.99, 75 in stock

# Seed 001's example flow, verbatim but for the two addresses.
FLOW = r"""#!/bin/bash
# 1. Create cart
cart=$(curl -s -X POST http://localhost:8000/cart)
cart_id=$(echo $cart | jq -r '.cart_id')
echo "Cart ID: $cart_id"
# 2. Add item
curl -s -X POST http://localhost:8000/cart/$cart_id/items \
-H "Content-Type: application/json" \
-d '{"product_id": 3, "quantity": 1}'
# 3. Checkout
order=$(curl -s -X POST http://localhost:8000/cart/$cart_id/checkout)
order_id=$(echo $order | jq -r '.order_id')
total=$(echo $order | jq -r '.total')
echo "Order ID: $order_id, Total: $total"
# 4. Send to payments_server (assumes it's running on 5000)
curl -X POST http://localhost:5000/payments/orders \
-H "Content-Type: application/json" \
-d "{\"order_id\": \"$order_id\", \"amount\": $total}"
# 5. Check order status
sleep 1
curl http://localhost:8000/orders/$order_id | jq '.status'
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "SHOPKEEP_DATA_DIR": str(tmp_path),
        "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # Quick retries, so that a store coming back is noticed within a second.
        "SHOPKEEP_CALLBACK_FIRST_RETRY_SECONDS": "0.1",
        "SHOPKEEP_CALLBACK_MAX_RETRY_SECONDS": "0.5",
    }


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    data = tmp_path_factory.mktemp("shop")
    with running_shop(
        {"SHOPKEEP_DATA_DIR": str(data), "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET}
    ) as shop:
        yield shop


def checkout(store_url: str, quantity: int = 1) -> dict[str, Any]:
    with httpx.Client(base_url=store_url) as store:
        cart_id = store.post("/cart").json()["cart_id"]
        added = store.post(
            f"/cart/{cart_id}/items", json={"product_id": KEYBOARD, "quantity": quantity}
        )
        assert added.status_code == 200, added.text
        order = store.post(f"/cart/{cart_id}/checkout")
        assert order.status_code == 200, order.text
        return {**order.json(), "cart_id": cart_id}


def order_of(store_url: str, order_id: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{store_url}/orders/{order_id}").json()
    return body


def stock(store_url: str) -> int:
    value: int = httpx.get(f"{store_url}/products/{KEYBOARD}").json()["stock"]
    return value


def test_seed_001_example_flow_ends_paid_within_a_second(shop: Shop, tmp_path: Path) -> None:
    if not (shutil.which("curl") and shutil.which("jq")):
        skip_or_fail("curl and jq are needed (run `make setup`)")
    script = tmp_path / "flow.sh"
    script.write_text(
        FLOW.replace("http://localhost:8000", shop.store_url).replace(
            "http://localhost:5000", shop.payments_url
        )
    )
    before = stock(shop.store_url)
    result = subprocess.run(
        ["bash", str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    # curl prints the payment without a newline, so jq's answer ends the same line.
    assert lines[-1].endswith('"paid"'), result.stdout
    cart_id = lines[0].removeprefix("Cart ID: ")
    assert httpx.get(f"{shop.store_url}/cart/{cart_id}").status_code == 404
    assert stock(shop.store_url) == before - 1


@pytest.mark.parametrize(
    ("card", "payment_status", "order_status"),
    [
        ("4242 4242 4242 4242", "succeeded", "paid"),
        ("4000 0000 0000 0002", "failed", "payment_failed"),
        ("4000 0000 0000 9995", "failed", "payment_failed"),
    ],
)
def test_each_test_card_has_its_outcome_at_the_store(
    shop: Shop, card: str, payment_status: str, order_status: str
) -> None:
    before = stock(shop.store_url)
    order = checkout(shop.store_url, quantity=2)
    response = httpx.post(
        f"{shop.payments_url}/payments/orders",
        json={"order_id": order["order_id"], "amount": order["total"], "card_number": card},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == payment_status
    eventually(
        lambda: order_of(shop.store_url, order["order_id"])["status"] == order_status or None,
        f"the order to become {order_status}",
    )
    assert stock(shop.store_url) == (before - 2 if order_status == "paid" else before)


def test_the_hosted_form_over_http_with_its_errors_then_a_payment(shop: Shop) -> None:
    order = checkout(shop.store_url)
    back = "http://127.0.0.1:9/orders/done"
    started = httpx.post(
        f"{shop.store_url}/orders/{order['order_id']}/payment", json={"return_url": back}
    )
    assert started.status_code == 201, started.text
    checkout_url = started.json()["checkout_url"]
    assert checkout_url.startswith(shop.payments_url + "/pay/pay_")

    with httpx.Client() as browser:
        page = browser.get(checkout_url)
        assert page.status_code == 200 and "$89.99" in page.text
        form = {"card_number": "4242 4242 4242 4241", "expiry": "12/40", "cvc": "123"}
        luhn = browser.post(checkout_url, data=form)
        assert luhn.status_code == 400 and "not valid: check the digits" in luhn.text
        expired = browser.post(
            checkout_url, data={**form, "card_number": "4242424242424242", "expiry": "01/21"}
        )
        assert expired.status_code == 400 and "This card has expired." in expired.text
        assert order_of(shop.store_url, order["order_id"])["status"] == "pending_payment"

        paid = browser.post(checkout_url, data={**form, "card_number": "4242424242424242"})
    assert paid.status_code == 303
    location = urlsplit(paid.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == back
    assert parse_qs(location.query)["status"] == ["succeeded"]
    assert order_of(shop.store_url, order["order_id"])["status"] == "paid"


def test_the_same_callback_three_times_at_once_has_one_effect(shop: Shop) -> None:
    before = stock(shop.store_url)
    order = checkout(shop.store_url, quantity=3)
    body = orjson.dumps(
        {
            "payment_id": "pay_threefold",
            "order_id": order["order_id"],
            "amount": order["total"],
            "status": "success",
        }
    )
    headers = {
        signature.HEADER: signature.sign(WEBHOOK_SECRET, body),
        "Content-Type": "application/json",
    }

    def deliver(_: int) -> httpx.Response:
        return httpx.post(f"{shop.store_url}/payments/confirm", content=body, headers=headers)

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(deliver, range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.content for a in answers}) == 1
    assert order_of(shop.store_url, order["order_id"])["status"] == "paid"
    assert stock(shop.store_url) == before - 3


def test_a_tampered_callback_is_refused_and_changes_nothing(shop: Shop) -> None:
    """Each delivery below would pay the order if the store accepted it."""
    order = checkout(shop.store_url)
    before = stock(shop.store_url)

    def callback(status: str) -> bytes:
        return orjson.dumps(
            {
                "payment_id": f"pay_tampered_{status}",
                "order_id": order["order_id"],
                "amount": order["total"],
                "status": status,
            }
        )

    signed_failure = signature.sign(WEBHOOK_SECRET, callback("failed"))
    success = callback("success")
    good = signature.sign(WEBHOOK_SECRET, success)
    forged = good[:-1] + ("0" if good[-1] != "0" else "1")
    for content, header in ((success, signed_failure), (success, forged)):
        response = httpx.post(
            f"{shop.store_url}/payments/confirm",
            content=content,
            headers={signature.HEADER: header, "Content-Type": "application/json"},
        )
        assert response.status_code == 401
    assert order_of(shop.store_url, order["order_id"])["status"] == "pending_payment"
    assert stock(shop.store_url) == before


def _inbox_rows(data_dir: Path, order_id: str) -> int:
    with sqlite3.connect(data_dir / "shopkeep.db") as db:
        (count,) = db.execute(
            "SELECT count(*) FROM payment_events WHERE order_id = ?", (order_id,)
        ).fetchone()
    return int(count)


def _deliveries(payments_url: str, payment_id: str) -> list[dict[str, Any]]:
    callback = httpx.get(f"{payments_url}/payments/{payment_id}").json()["callback"]
    deliveries: list[dict[str, Any]] = callback["deliveries"]
    return deliveries


def _delivered(payments_url: str, payment_id: str) -> list[dict[str, Any]] | None:
    """The delivery attempts, once the last one delivered the callback."""
    deliveries = _deliveries(payments_url, payment_id)
    return deliveries if deliveries and deliveries[-1]["outcome"] == "delivered" else None


def _order_while_the_store_is_down(env: dict[str, str]) -> tuple[dict[str, Any], int]:
    """An order checked out on a store that then stops, and the port it will come back on."""
    store_port = free_port()
    with running_store(env, port=store_port) as store_url:
        return checkout(store_url), store_port


def _pay(sandbox_url: str, order: dict[str, Any], failed_attempts: int) -> str:
    """Pay at the sandbox and see `failed_attempts` deliveries fail; returns the payment id."""
    payment_id: str = httpx.post(
        f"{sandbox_url}/payments/orders",
        json={"order_id": order["order_id"], "amount": order["total"]},
    ).json()["payment_id"]
    deliveries = eventually(
        lambda: (d := _deliveries(sandbox_url, payment_id))[failed_attempts - 1 :] and d,
        f"{failed_attempts} failed attempts while the store is down",
    )
    assert all(d["status_code"] is None for d in deliveries)
    return payment_id


def _paid_once(
    store_url: str, sandbox_url: str, order: dict[str, Any], payment_id: str, data_dir: Path
) -> None:
    eventually(
        lambda: order_of(store_url, order["order_id"])["status"] == "paid" or None,
        "the order to be paid",
    )
    deliveries = eventually(
        lambda: _delivered(sandbox_url, payment_id), "the sandbox to record the delivery"
    )
    assert [d["outcome"] for d in deliveries].count("delivered") == 1
    assert _inbox_rows(data_dir, order["order_id"]) == 1


def test_a_store_that_is_down_when_the_payment_is_made_gets_paid_once_it_is_back(
    env: dict[str, str], tmp_path: Path
) -> None:
    order, store_port = _order_while_the_store_is_down(env)
    store_url = f"http://127.0.0.1:{store_port}"
    with running_payments({**env, "SHOPKEEP_STORE_URL": store_url}) as sandbox:
        payment_id = _pay(sandbox.url, order, failed_attempts=2)
        with running_store(env, port=store_port):
            _paid_once(store_url, sandbox.url, order, payment_id, tmp_path)


def test_a_callback_owed_when_the_sandbox_is_killed_is_delivered_after_its_restart(
    env: dict[str, str], tmp_path: Path
) -> None:
    order, store_port = _order_while_the_store_is_down(env)
    store_url = f"http://127.0.0.1:{store_port}"
    sandbox_env = {**env, "SHOPKEEP_STORE_URL": store_url}
    sandbox_port = free_port()
    with running_payments(sandbox_env, port=sandbox_port) as sandbox:
        payment_id = _pay(sandbox.url, order, failed_attempts=1)
        sandbox.kill()

    with (
        running_store(env, port=store_port),
        running_payments(sandbox_env, port=sandbox_port) as restarted,
    ):
        _paid_once(store_url, restarted.url, order, payment_id, tmp_path)


def test_ctrl_c_stops_the_store_and_the_sandbox_together(tmp_path: Path) -> None:
    env = {"SHOPKEEP_DATA_DIR": str(tmp_path), "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET}
    with running_shop(env) as shop:
        shop.server.process.send_signal(signal.SIGINT)
        assert shop.server.process.wait(timeout=15) == 0
        for url in (shop.store_url, shop.payments_url):
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"{url}/healthz")
