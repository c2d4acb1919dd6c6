"""Seed 002's clients' steps against `/api`: sign up a producer, create products, fill carts."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import PASSWORD

JSON = dict[str, Any]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def producer(
    client: httpx.AsyncClient, username: str = "maker", password: str = PASSWORD
) -> tuple[JSON, dict[str, str]]:
    """A new producer and the headers that authenticate as them."""
    response = await client.post("/api/producer", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    return body["producer"], bearer(body["auth_token"])


async def api_product(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    title: str = "Teapot",
    price: float = 19.99,
    inventory_count: int = 10,
    **fields: Any,
) -> JSON:
    response = await client.post(
        "/api/products",
        json={"title": title, "price": price, "inventory_count": inventory_count, **fields},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    product: JSON = response.json()
    return product


async def shopping_cart(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """A new shopping cart's id and the headers its token opens it with."""
    response = await client.post("/api/shopping_cart")
    assert response.status_code == 200, response.text
    body = response.json()
    return body["shopping_cart"]["id"], bearer(body["auth_token"])


async def put(
    client: httpx.AsyncClient, cart_id: str, auth: dict[str, str], product_id: int, quantity: int
) -> httpx.Response:
    return await client.put(
        f"/api/shopping_cart/{cart_id}",
        json={"product_id": product_id, "quantity": quantity},
        headers=auth,
    )


async def filled_cart(
    client: httpx.AsyncClient, *lines: tuple[int, int]
) -> tuple[str, dict[str, str]]:
    """A new shopping cart holding `(product_id, quantity)` lines."""
    cart_id, auth = await shopping_cart(client)
    for product_id, quantity in lines:
        response = await put(client, cart_id, auth, product_id, quantity)
        assert response.status_code == 200, response.text
    return cart_id, auth


def assert_bearer_challenge(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"]
