"""Shopping carts (seed 002): each opened by its own token; PUT sets a product's quantity (0
removes it); the cached price moves when the entries change or when asked to."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from shopkeep.carts import tokens as cart_tokens
from shopkeep.config import Settings
from shopkeep.db import utcnow
from shopkeep.sellers import tokens as seller_tokens
from tests.compat.helpers import (
    JSON,
    api_product,
    assert_bearer_challenge,
    bearer,
    filled_cart,
    producer,
    put,
    shopping_cart,
)

KEYBOARD = 3  # 89.99, 75 in stock


async def get_cart(
    client: httpx.AsyncClient, cart_id: str, auth: dict[str, str], query: str = ""
) -> JSON:
    response = await client.get(f"/api/shopping_cart/{cart_id}{query}", headers=auth)
    assert response.status_code == 200, response.text
    cart: JSON = response.json()
    return cart


def quantities(cart: JSON) -> dict[int, int]:
    return {entry["product_id"]: entry["quantity"] for entry in cart["shopping_cart_entries"]}


# --- creating, reading, deleting ----------------------------------------------------------------


async def test_a_new_cart_comes_with_its_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/shopping_cart")

    assert response.status_code == 200, response.text
    body = response.json()
    cart = body["shopping_cart"]
    assert re.fullmatch(r"[0-9a-f]{32}", cart["id"])
    assert cart == {"id": cart["id"], "cached_price": 0, "shopping_cart_entries": []}
    assert await get_cart(client, cart["id"], bearer(body["auth_token"])) == cart


async def test_every_cart_has_its_own_id_and_token(client: httpx.AsyncClient) -> None:
    carts = [await shopping_cart(client) for _ in range(3)]

    assert len({cart_id for cart_id, _ in carts}) == len({str(auth) for _, auth in carts}) == 3


async def test_entries_show_the_product_and_the_quantity(client: httpx.AsyncClient) -> None:
    maker, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 10)
    cart_id, cart_auth = await shopping_cart(client)

    response = await put(client, cart_id, cart_auth, teapot["id"], 3)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": cart_id,
        "cached_price": 59.97,
        "shopping_cart_entries": [
            {
                "id": teapot["id"],
                "shopping_cart_id": cart_id,
                "quantity": 3,
                "product_id": teapot["id"],
                "product": {
                    "id": teapot["id"],
                    "producer_id": maker["id"],
                    "title": "Teapot",
                    "price": 19.99,
                    "inventory_count": 10,
                },
                "available": True,
            }
        ],
    }
    assert await get_cart(client, cart_id, cart_auth) == response.json()


async def test_deleting_a_cart_makes_it_404(client: httpx.AsyncClient) -> None:
    cart_id, auth = await filled_cart(client, (KEYBOARD, 1))

    response = await client.delete(f"/api/shopping_cart/{cart_id}", headers=auth)

    assert response.status_code == 200, response.text
    assert response.json() == {"message": f"Shopping cart {cart_id} deleted"}
    gone = await client.get(f"/api/shopping_cart/{cart_id}", headers=auth)
    assert gone.status_code == 404
    assert gone.json() == {"detail": "Cart not found"}
    assert (await put(client, cart_id, auth, KEYBOARD, 1)).status_code == 404
    assert (await client.delete(f"/api/shopping_cart/{cart_id}", headers=auth)).status_code == 404
    checkout = await client.post(f"/api/shopping_cart/{cart_id}/checkout", headers=auth)
    assert checkout.status_code == 404


# --- the cart's token ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PUT", "", {"product_id": KEYBOARD, "quantity": 2}),
        ("DELETE", "", None),
        ("POST", "/checkout", None),
    ],
)
async def test_a_cart_is_refused_without_its_own_token(
    client: httpx.AsyncClient,
    settings: Settings,
    method: str,
    suffix: str,
    body: JSON | None,
) -> None:
    cart_id, auth = await filled_cart(client, (KEYBOARD, 1))
    other_cart, other_auth = await shopping_cart(client)
    _, seller_auth = await producer(client)
    forged = cart_tokens.issue_cart_token("another key " + "x" * 40, cart_id)
    expired_seller = seller_tokens.issue_token(
        settings.resolved_secret_key, 1, minutes=1, now=utcnow() - timedelta(hours=1)
    )
    url = f"/api/shopping_cart/{cart_id}{suffix}"

    for headers in (
        {},
        bearer("garbage"),
        bearer(forged),
        other_auth,  # another cart's token
        seller_auth,  # a seller's access token
        bearer(expired_seller),
        {"Authorization": auth["Authorization"].replace("Bearer", "Basic")},
    ):
        response = await client.request(method, url, json=body, headers=headers)
        assert_bearer_challenge(response)

    other = await client.request(method, f"/api/shopping_cart/{other_cart}{suffix}", headers=auth)
    assert other.json() == {"detail": "This token belongs to another shopping cart"}
    assert quantities(await get_cart(client, cart_id, auth)) == {KEYBOARD: 1}


async def test_a_token_opens_its_cart_from_any_client(client: httpx.AsyncClient) -> None:
    cart_id, auth = await filled_cart(client, (KEYBOARD, 2))

    assert quantities(
        await get_cart(client, cart_id, {"authorization": auth["Authorization"]})
    ) == {KEYBOARD: 2}


# --- setting quantities -------------------------------------------------------------------------


async def test_put_sets_the_quantity_and_zero_removes_the_product(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 10)
    cart_id, cart_auth = await filled_cart(client, (teapot["id"], 3), (KEYBOARD, 1))

    set_again = (await put(client, cart_id, cart_auth, teapot["id"], 2)).json()
    assert quantities(set_again) == {teapot["id"]: 2, KEYBOARD: 1}  # set, not added
    assert set_again["cached_price"] == 129.97

    removed = (await put(client, cart_id, cart_auth, teapot["id"], 0)).json()
    assert quantities(removed) == {KEYBOARD: 1}
    assert removed["cached_price"] == 89.99

    absent = await put(client, cart_id, cart_auth, teapot["id"], 0)
    assert absent.status_code == 200
    assert absent.json() == removed


async def test_an_unknown_product_is_404_and_changes_nothing(client: httpx.AsyncClient) -> None:
    cart_id, auth = await filled_cart(client, (KEYBOARD, 1))
    before = await get_cart(client, cart_id, auth)

    for quantity in (1, 0):
        response = await put(client, cart_id, auth, 999999, quantity)
        assert response.status_code == 404
        assert response.json() == {"detail": "Product not found"}
    assert await get_cart(client, cart_id, auth) == before


async def test_a_quantity_above_the_stock_is_400_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 4)
    cart_id, cart_auth = await filled_cart(client, (teapot["id"], 2))
    before = await get_cart(client, cart_id, cart_auth)

    response = await put(client, cart_id, cart_auth, teapot["id"], 5)

    assert response.status_code == 400
    assert response.json() == {"detail": "Not enough stock (available: 4)"}
    assert await get_cart(client, cart_id, cart_auth) == before
    assert (await put(client, cart_id, cart_auth, teapot["id"], 4)).status_code == 200


@pytest.mark.parametrize(
    ("quantity", "detail"),
    [(-1, "Quantity must be at least 0"), (1001, "Quantity must be at most 1000")],
)
async def test_a_quantity_out_of_range_is_400(
    client: httpx.AsyncClient, quantity: int, detail: str
) -> None:
    cart_id, auth = await filled_cart(client, (KEYBOARD, 1))

    response = await put(client, cart_id, auth, KEYBOARD, quantity)

    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert quantities(await get_cart(client, cart_id, auth)) == {KEYBOARD: 1}


# --- the cached price ---------------------------------------------------------------------------


async def test_the_cached_price_stays_until_asked_to_refresh(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 10)
    cart_id, cart_auth = await filled_cart(client, (teapot["id"], 2))
    assert (await get_cart(client, cart_id, cart_auth))["cached_price"] == 39.98

    await client.put(f"/api/products/{teapot['id']}", json={"price": 25}, headers=auth)

    cached = await get_cart(client, cart_id, cart_auth)
    assert cached["cached_price"] == 39.98
    assert cached["shopping_cart_entries"][0]["product"]["price"] == 25.0  # today's price
    assert (await get_cart(client, cart_id, cart_auth, "?use-cache=1"))["cached_price"] == 39.98
    assert (await get_cart(client, cart_id, cart_auth, "?use-cache=7"))["cached_price"] == 39.98
    assert (await get_cart(client, cart_id, cart_auth, "?use-cache=0"))["cached_price"] == 50.0
    # The refreshed price is kept.
    assert (await get_cart(client, cart_id, cart_auth))["cached_price"] == 50.0


async def test_changing_an_entry_recomputes_the_cached_price_at_todays_prices(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 10)
    cart_id, cart_auth = await filled_cart(client, (teapot["id"], 2))
    await client.put(f"/api/products/{teapot['id']}", json={"price": 25}, headers=auth)

    changed = (await put(client, cart_id, cart_auth, KEYBOARD, 1)).json()

    assert changed["cached_price"] == 139.99  # 2 x 25.00 + 89.99


async def test_use_cache_must_be_an_integer(client: httpx.AsyncClient) -> None:
    cart_id, auth = await filled_cart(client, (KEYBOARD, 1))

    response = await client.get(f"/api/shopping_cart/{cart_id}?use-cache=no", headers=auth)

    assert response.status_code == 422


async def test_a_deleted_product_stays_in_the_cart_unavailable_and_outside_the_price(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 10)
    cart_id, cart_auth = await filled_cart(client, (teapot["id"], 1), (KEYBOARD, 1))

    await client.delete(f"/api/products/{teapot['id']}", headers=auth)

    cart = await get_cart(client, cart_id, cart_auth, "?use-cache=0")
    assert {e["product_id"]: e["available"] for e in cart["shopping_cart_entries"]} == {
        teapot["id"]: False,
        KEYBOARD: True,
    }
    assert cart["cached_price"] == 89.99
    assert (await put(client, cart_id, cart_auth, teapot["id"], 2)).status_code == 404
    assert quantities((await put(client, cart_id, cart_auth, teapot["id"], 0)).json()) == {
        KEYBOARD: 1
    }
