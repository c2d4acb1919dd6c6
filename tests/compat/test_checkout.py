"""Checkout (seed 002): the store's checkout, all or nothing, paid at once; the answer names the
total spent in exact cents."""

from __future__ import annotations

import httpx
import pytest

from shopkeep.db import Database
from tests.compat.helpers import (
    JSON,
    api_product,
    assert_bearer_challenge,
    filled_cart,
    producer,
    put,
    shopping_cart,
)
from tests.invariants import assert_stock_invariant, stock_levels

KEYBOARD = 3  # 89.99, 75 in stock


async def checkout(client: httpx.AsyncClient, cart_id: str, auth: dict[str, str]) -> httpx.Response:
    return await client.post(f"/api/shopping_cart/{cart_id}/checkout", headers=auth)


async def inventory(client: httpx.AsyncClient, product_id: int) -> int:
    count: int = (await client.get(f"/api/products/{product_id}")).json()["inventory_count"]
    return count


async def test_checkout_takes_the_units_off_the_inventory_and_names_the_total(
    client: httpx.AsyncClient, database: Database
) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 10)
    cart_id, cart_auth = await filled_cart(client, (teapot["id"], 3))
    initial = await stock_levels(database)

    response = await checkout(client, cart_id, cart_auth)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"] == "Products ordered, $59.97 spent"
    assert body["total"] == 59.97
    assert await inventory(client, teapot["id"]) == 7
    await assert_stock_invariant(database, initial)


async def test_the_order_is_paid_at_once_and_the_cart_is_closed(client: httpx.AsyncClient) -> None:
    cart_id, auth = await filled_cart(client, (KEYBOARD, 2))

    body = (await checkout(client, cart_id, auth)).json()

    order = (await client.get(f"/orders/{body['order_id']}")).json()
    assert order["status"] == "paid"
    assert order["payment_id"] is None
    assert order["cart_id"] == cart_id
    assert [(i["product_id"], i["quantity"], i["price"]) for i in order["items"]] == [
        (KEYBOARD, 2, 89.99)
    ]
    assert order["total"] == 179.98
    assert (await client.get(f"/api/shopping_cart/{cart_id}", headers=auth)).status_code == 404
    again = await checkout(client, cart_id, auth)
    assert again.status_code == 404
    assert await inventory(client, KEYBOARD) == 73


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([(2000, 1)], "Products ordered, $20.00 spent"),
        ([(1, 1)], "Products ordered, $0.01 spent"),
        ([(1999, 3), (1, 1)], "Products ordered, $59.98 spent"),
        ([(10, 1), (20, 1)], "Products ordered, $0.30 spent"),
        ([(123456789, 1000)], "Products ordered, $1234567890.00 spent"),
    ],
)
async def test_the_total_is_written_in_exact_dollars_and_cents(
    client: httpx.AsyncClient, lines: list[tuple[int, int]], message: str
) -> None:
    _, auth = await producer(client)
    cart_id, cart_auth = await shopping_cart(client)
    for number, (price_cents, quantity) in enumerate(lines):
        product = await api_product(client, auth, f"P{number}", price_cents / 100, quantity)
        assert (await put(client, cart_id, cart_auth, product["id"], quantity)).status_code == 200

    response = await checkout(client, cart_id, cart_auth)

    assert response.json()["message"] == message


async def test_checkout_charges_todays_prices_not_the_cached_one(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 10)
    cart_id, cart_auth = await filled_cart(client, (teapot["id"], 2))
    await client.put(f"/api/products/{teapot['id']}", json={"price": 25}, headers=auth)

    response = await checkout(client, cart_id, cart_auth)

    assert response.json()["message"] == "Products ordered, $50.00 spent"


async def test_one_short_line_cancels_the_whole_checkout(
    client: httpx.AsyncClient, database: Database
) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 4)
    cart_id, cart_auth = await filled_cart(client, (KEYBOARD, 2), (teapot["id"], 3))
    initial = await stock_levels(database)
    rival, rival_auth = await filled_cart(client, (teapot["id"], 2))
    assert (await checkout(client, rival, rival_auth)).status_code == 200

    response = await checkout(client, cart_id, cart_auth)

    assert response.status_code == 400
    assert response.json() == {"detail": "Not enough stock for 'Teapot' (requested 3, available 2)"}
    assert await inventory(client, KEYBOARD) == 75
    assert await inventory(client, teapot["id"]) == 2
    cart = (await client.get(f"/api/shopping_cart/{cart_id}", headers=cart_auth)).json()
    assert len(cart["shopping_cart_entries"]) == 2  # the cart stays, to be changed and retried
    await assert_stock_invariant(database, initial)
    assert (await put(client, cart_id, cart_auth, teapot["id"], 2)).status_code == 200
    assert (await checkout(client, cart_id, cart_auth)).status_code == 200
    assert await inventory(client, teapot["id"]) == 0


async def test_an_empty_cart_cannot_be_checked_out(client: httpx.AsyncClient) -> None:
    cart_id, auth = await shopping_cart(client)

    response = await checkout(client, cart_id, auth)

    assert response.status_code == 400
    assert response.json() == {"detail": "Cart is empty"}


async def test_a_cart_holding_a_deleted_product_cannot_be_checked_out(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 4)
    cart_id, cart_auth = await filled_cart(client, (teapot["id"], 1), (KEYBOARD, 1))
    await client.delete(f"/api/products/{teapot['id']}", headers=auth)

    response = await checkout(client, cart_id, cart_auth)

    assert response.status_code == 400
    assert "'Teapot' is no longer available" in response.json()["detail"]
    assert await inventory(client, KEYBOARD) == 75


async def test_checkout_without_the_carts_token_is_401_and_sells_nothing(
    client: httpx.AsyncClient,
) -> None:
    cart_id, auth = await filled_cart(client, (KEYBOARD, 2))
    _, other_auth = await shopping_cart(client)

    for headers in ({}, other_auth):
        assert_bearer_challenge(await checkout(client, cart_id, headers))

    assert await inventory(client, KEYBOARD) == 75
    cart: JSON = (await client.get(f"/api/shopping_cart/{cart_id}", headers=auth)).json()
    assert cart["shopping_cart_entries"][0]["quantity"] == 2
