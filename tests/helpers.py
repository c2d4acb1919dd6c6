"""Small helpers shared by the API tests."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson

from shopkeep import signature
from tests.conftest import WEBHOOK_SECRET


async def cart_with(client: httpx.AsyncClient, *lines: tuple[int, int]) -> str:
    """A new cart holding `(product_id, quantity)` lines."""
    response = await client.post("/cart")
    assert response.status_code == 200, response.text
    cart_id: str = response.json()["cart_id"]
    for product_id, quantity in lines:
        response = await client.post(
            f"/cart/{cart_id}/items", json={"product_id": product_id, "quantity": quantity}
        )
        assert response.status_code == 200, response.text
    return cart_id


async def checked_out(client: httpx.AsyncClient, *lines: tuple[int, int]) -> dict[str, Any]:
    """Checkout of a new cart: `{"order_id", "total", "message", "cart_id"}`."""
    cart_id = await cart_with(client, *lines)
    response = await client.post(f"/cart/{cart_id}/checkout")
    assert response.status_code == 200, response.text
    return {**response.json(), "cart_id": cart_id}


def signed_callback(
    payload: dict[str, Any], *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps(payload)
    header = signature.sign(secret, body, timestamp=timestamp or int(time.time()))
    return body, {signature.HEADER: header, "Content-Type": "application/json"}


async def confirm(
    client: httpx.AsyncClient, payload: dict[str, Any], **kwargs: Any
) -> httpx.Response:
    body, headers = signed_callback(payload, **kwargs)
    return await client.post("/payments/confirm", content=body, headers=headers)


async def stock_of(client: httpx.AsyncClient, product_id: int) -> int:
    stock: int = (await client.get(f"/products/{product_id}")).json()["stock"]
    return stock


PASSWORD = "correct horse battery"


async def signed_up(
    client: httpx.AsyncClient, username: str = "alice", password: str = PASSWORD
) -> tuple[dict[str, Any], dict[str, str]]:
    """A new seller and the headers that authenticate as them."""
    response = await client.post("/sellers", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["seller"], {"Authorization": f"Bearer {body['access_token']}"}


async def new_product(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    """A product created by the seller of `headers` (category 1, 12.50, 10 in stock unless
    given)."""
    body = {"name": "Lamp", "category_id": 1, "price": 12.5, "stock": 10, **fields}
    response = await client.post("/products", json=body, headers=headers)
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product
