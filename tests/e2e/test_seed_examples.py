"""Seed 001's curl examples, run verbatim by bash and curl against `shopkeep serve`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import WEBHOOK_SECRET, skip_or_fail
from tests.servers import running_shop

# The examples as the seed gives them, against the store's address.
SCRIPT = r"""
set -euo pipefail
B="$1"
curl -s "$B/categories" | jq '.[] | .name'
echo ---
curl -s "$B/products?search=keyboard"
echo ---
curl -s "$B/products?min_price=20&max_price=100&min_rating=4.0&sort_by=price&order=asc"
echo ---
cart=$(curl -s -X POST $B/cart)
cart_id=$(echo $cart | jq -r '.cart_id')
curl -s -X POST $B/cart/$cart_id/items \
-H "Content-Type: application/json" \
-d '{"product_id": 3, "quantity": 2}'
echo ---
curl -s $B/cart/$cart_id
echo ---
order=$(curl -s -X POST $B/cart/$cart_id/checkout)
echo $order
order_id=$(echo $order | jq -r '.order_id')
echo ---
curl -s -X POST $B/payments/confirm \
-H "Content-Type: application/json" \
-d "{\"order_id\": \"$order_id\", \"status\": \"success\"}"
echo ---
curl -s $B/orders/$order_id
echo ---
curl -s "$B/products/5" | jq '.stock'
"""


@pytest.mark.slow
def test_seed_001_curl_examples_work_against_shopkeep_serve(tmp_path: Path) -> None:
    if not (shutil.which("curl") and shutil.which("jq")):
        skip_or_fail("curl and jq are needed (run `make setup`)")
    env = {"SHOPKEEP_DATA_DIR": str(tmp_path), "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET}
    with running_shop(env) as shop:
        result = subprocess.run(
            ["bash", "-c", SCRIPT, "seed", shop.store_url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    parts = [part.strip() for part in result.stdout.split("---")]
    categories, search, filtered, added, cart, order, confirm, final, stock = parts

    assert categories.splitlines() == [
        '"Electronics"',
        '"Clothing"',
        '"Home & Kitchen"',
        '"Books"',
        '"Sports & Outdoors"',
    ]
    found = json.loads(search)
    assert found["total"] == 1 and found["page"] == 1 and found["page_size"] == 10
    keyboard = found["products"][0]
    assert (keyboard["id"], keyboard["name"], keyboard["price"]) == (
        3,
        "Mechanical Keyboard",
        89.99,
    )
    assert (keyboard["rating"], keyboard["stock"]) == (4.7, 75)

    prices = [product["price"] for product in json.loads(filtered)["products"]]
    assert prices and prices == sorted(prices) and all(20 <= price <= 100 for price in prices)

    assert json.loads(added)["quantity"] == 2
    assert json.loads(cart)["items"][0]["line_total"] == 179.98
    assert json.loads(cart)["total"] == 179.98
    checkout = json.loads(order)
    assert checkout["total"] == 179.98
    assert checkout["message"] == (
        "Send order_id and total to the payments backend to complete purchase."
    )
    # The only deliberate difference from the seed: an unsigned confirmation is refused.
    assert json.loads(confirm)["detail"].startswith("Missing Shopkeep-Signature")
    assert json.loads(final)["status"] == "pending_payment"
    assert int(stock) >= 0
