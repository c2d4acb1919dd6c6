"""Money is exact (SPEC §2): cents inside, JSON numbers with at most two decimals outside.

The property tests drive real carts and checkouts through the API against each database and
compare every amount with the exact `Decimal` arithmetic.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopkeep.db import Database, Tx
from shopkeep.money import MAX_CENTS, as_decimal, as_json_number, ceil_cents, floor_cents, to_cents
from tests.invariants import set_product

# (price in cents, quantity): prices up to 1,000,000.00, quantities within the per-line limit.
LINES = st.lists(
    st.tuples(st.integers(1, 100_000_000), st.integers(1, 1000)), min_size=1, max_size=8
)
DB_EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def exact(lines: list[tuple[int, int]]) -> Decimal:
    return sum((Decimal(cents) / 100 * quantity for cents, quantity in lines), Decimal(0))


def decimal_json(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def assert_two_decimals_at_most(amount: Any) -> None:
    assert isinstance(amount, Decimal | int), f"{amount!r} is not a JSON number"
    if isinstance(amount, Decimal):
        exponent = amount.as_tuple().exponent
        assert isinstance(exponent, int) and exponent >= -2, f"{amount} has more than two decimals"


async def price_products(tx: Tx, lines: list[tuple[int, int]]) -> None:
    """Demo products 1..n take the example's prices, with stock for any quantity."""
    for product_id, (cents, _quantity) in enumerate(lines, start=1):
        await set_product(tx, product_id, price_cents=cents, stock=1000)


async def cart_of(client: httpx.AsyncClient, lines: list[tuple[int, int]]) -> str:
    cart_id: str = (await client.post("/cart")).json()["cart_id"]
    for product_id, (_cents, quantity) in enumerate(lines, start=1):
        response = await client.post(
            f"/cart/{cart_id}/items", json={"product_id": product_id, "quantity": quantity}
        )
        assert response.status_code == 200, response.text
    return cart_id


# --- through the API ----------------------------------------------------------------------------


@DB_EXAMPLES
@given(lines=LINES)
async def test_cart_total_and_line_totals_are_the_exact_decimal_sums(
    client: httpx.AsyncClient, database: Database, lines: list[tuple[int, int]]
) -> None:
    await database.write(price_products, lines)
    cart_id = await cart_of(client, lines)

    cart = decimal_json(await client.get(f"/cart/{cart_id}"))

    by_product = {item["product_id"]: item for item in cart["items"]}
    for product_id, (cents, quantity) in enumerate(lines, start=1):
        item = by_product[product_id]
        assert item["price"] == Decimal(cents) / 100
        assert item["line_total"] == Decimal(cents) / 100 * quantity
        assert_two_decimals_at_most(item["price"])
        assert_two_decimals_at_most(item["line_total"])
    assert cart["total"] == exact(lines)
    assert_two_decimals_at_most(cart["total"])


@DB_EXAMPLES
@given(lines=LINES)
async def test_checkout_and_order_totals_are_the_exact_decimal_sums(
    client: httpx.AsyncClient, database: Database, lines: list[tuple[int, int]]
) -> None:
    await database.write(price_products, lines)
    cart_id = await cart_of(client, lines)

    placed = decimal_json(await client.post(f"/cart/{cart_id}/checkout"))
    order = decimal_json(await client.get(f"/orders/{placed['order_id']}"))

    assert placed["total"] == exact(lines)
    assert order["total"] == exact(lines)
    assert_two_decimals_at_most(placed["total"])
    assert_two_decimals_at_most(order["total"])
    assert sum((item["line_total"] for item in order["items"]), Decimal(0)) == exact(lines)


async def test_three_times_19_99_checks_out_at_exactly_59_97(
    client: httpx.AsyncClient, database: Database
) -> None:
    await database.write(price_products, [(1999, 3)])
    cart_id = await cart_of(client, [(1999, 3)])

    response = await client.post(f"/cart/{cart_id}/checkout")

    assert b'"total":59.97' in response.content


# --- shopkeep.money -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("19.99", 1999), ("0.01", 1), ("1", 100), ("1.5", 150), ("0", 0), ("1000000000.00", 10**11)],
)
def test_to_cents_converts_amounts_with_up_to_two_decimals(amount: str, cents: int) -> None:
    assert to_cents(Decimal(amount)) == cents


@pytest.mark.parametrize("amount", ["19.999", "0.001", "1.005", "-0.015"])
def test_to_cents_rejects_amounts_with_three_decimals(amount: str) -> None:
    with pytest.raises(ValueError):
        to_cents(Decimal(amount))


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_to_cents_rejects_amounts_that_are_not_finite(amount: str) -> None:
    with pytest.raises(ValueError):
        to_cents(Decimal(amount))


@pytest.mark.parametrize(
    ("amount", "up", "down"),
    [
        ("19.99", 1999, 1999),
        ("19.991", 2000, 1999),
        ("19.995", 2000, 1999),
        ("19.999", 2000, 1999),
        ("20", 2000, 2000),
        ("0.001", 1, 0),
    ],
)
def test_ceil_and_floor_cents_round_up_and_down_to_whole_cents(
    amount: str, up: int, down: int
) -> None:
    assert ceil_cents(Decimal(amount)) == up
    assert floor_cents(Decimal(amount)) == down


def test_as_json_number_of_three_times_19_99_renders_as_59_97() -> None:
    amount = as_json_number(1999 * 3)

    assert amount == 59.97
    assert json.dumps(amount) == "59.97"
    assert orjson.dumps(amount) == b"59.97"


@settings(max_examples=300)
@given(cents=st.integers(0, MAX_CENTS))
def test_as_json_number_renders_exactly_the_decimal_amount(cents: int) -> None:
    rendered = orjson.dumps(as_json_number(cents)).decode()

    assert Decimal(rendered) == Decimal(cents) / 100
    assert json.loads(rendered, parse_float=Decimal) == as_decimal(cents)


@settings(max_examples=300)
@given(cents=st.integers(-MAX_CENTS, MAX_CENTS))
def test_cents_survive_a_round_trip_through_decimal(cents: int) -> None:
    amount = as_decimal(cents)

    assert to_cents(amount) == cents
    assert ceil_cents(amount) == cents
    assert floor_cents(amount) == cents
