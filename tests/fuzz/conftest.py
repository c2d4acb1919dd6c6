"""A real shop for the fuzzers: `shopkeep serve` on loopback ports, with a seller, a product, a
cart, an order, a seed-002 shopping cart and a hosted payment, whose valid ids, tokens and
signatures the fuzzers mix into what they generate.

How many cases run is set by `SHOPKEEP_FUZZ_EXAMPLES` (per operation and per form; `make fuzz`
raises it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import WEBHOOK_SECRET
from tests.servers import Shop, running_shop

EXAMPLES = int(os.environ.get("SHOPKEEP_FUZZ_EXAMPLES", "25"))
KEYBOARD = 3
PASSWORD = "fuzzing-password-1"


@dataclass
class World:
    """Things that exist in the fuzzed shop, by the names parameters give them."""

    shop: Shop
    seller_token: str
    seller_name: str
    cart_token: str
    ids: dict[str, list[Any]] = field(default_factory=dict)
    # Pairs that only work together: a seed-002 cart and its own bearer token.
    cart_tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="package")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    data_dir: Path = tmp_path_factory.mktemp("fuzzed-shop")
    env = {
        "SHOPKEEP_DATA_DIR": str(data_dir),
        "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # Fuzzed log-ins must keep reaching the password check, not only the rate limit.
        "SHOPKEEP_LOGIN_ATTEMPTS": "1000000",
        # The seller's token must outlive a long `make fuzz`.
        "SHOPKEEP_TOKEN_MINUTES": str(24 * 60),
    }
    with running_shop(env, log_path=data_dir / "serve.log") as shop:
        yield shop


@pytest.fixture(scope="package")
def world(shop: Shop) -> World:
    store = httpx.Client(base_url=shop.store_url, timeout=30)
    sandbox = httpx.Client(base_url=shop.payments_url, timeout=30)
    with store, sandbox:
        signed_up = _ok(store.post("/sellers", json={"username": "fuzzer", "password": PASSWORD}))
        token = signed_up["access_token"]
        seller_id = signed_up["seller"]["id"]
        auth = {"Authorization": f"Bearer {token}"}
        product = _ok(
            store.post(
                "/products",
                headers=auth,
                json={"name": "Fuzzed lamp", "category_id": 3, "price": 12.5, "stock": 1000},
            )
        )
        cart_id = _ok(store.post("/cart"))["cart_id"]
        _ok(store.post(f"/cart/{cart_id}/items", json={"product_id": KEYBOARD, "quantity": 1}))
        ordered = _ok(store.post("/cart"))["cart_id"]
        _ok(store.post(f"/cart/{ordered}/items", json={"product_id": KEYBOARD, "quantity": 1}))
        order = _ok(store.post(f"/cart/{ordered}/checkout"))
        payment = _ok(
            sandbox.post(
                "/payments/orders",
                json={
                    "order_id": order["order_id"],
                    "amount": order["total"],
                    "return_url": f"{shop.web_url}/orders/{order['order_id']}",
                },
            )
        )
        compat = _ok(store.post("/api/shopping_cart"))
    compat_id = compat["shopping_cart"]["id"]
    return World(
        shop=shop,
        seller_token=token,
        seller_name="fuzzer",
        cart_token=compat["auth_token"],
        ids={
            "product_id": [KEYBOARD, product["id"]],
            "category_id": [1, 3],
            "producer_id": [seller_id],
            "seller_id": [seller_id],
            "cart_id": [cart_id, ordered],
            "order_id": [order["order_id"]],
            "payment_id": [payment["payment_id"]],
            "shopping_cart_id": [compat_id],
            "username": ["fuzzer"],
            "password": [PASSWORD],
        },
        cart_tokens={compat_id: compat["auth_token"]},
    )


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()
