"""Orders that mail someone, placed through the store API."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.helpers import PASSWORD, cart_with, confirm, new_product

KEYBOARD = 3  # the store's own product, 89.99

DETAILS: dict[str, Any] = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "shipping_address": {
        "line1": "12 St James's Square",
        "line2": "Flat 3",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country": "GB",
        "phone": "+44 20 7946 0000",
    },
    "note": "Please leave it with the porter.",
}


async def seller_product(
    client: httpx.AsyncClient, username: str, email: str | None, **fields: Any
) -> dict[str, Any]:
    """A product of a new seller (with `email`, or none)."""
    body: dict[str, Any] = {"username": username, "password": PASSWORD}
    if email is not None:
        body["email"] = email
    response = await client.post("/sellers", json=body)
    assert response.status_code == 201, response.text
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return await new_product(client, headers, **fields)


async def placed(
    client: httpx.AsyncClient, *lines: tuple[int, int], details: dict[str, Any] | None = DETAILS
) -> dict[str, Any]:
    cart_id = await cart_with(client, *lines)
    response = await client.post(f"/cart/{cart_id}/checkout", json=details)
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()
    return order


async def pay(client: httpx.AsyncClient, order: dict[str, Any], status: str = "success") -> None:
    payload = {
        "payment_id": f"pay_{secrets.token_hex(8)}",
        "order_id": order["order_id"],
        "amount": order["total"],
        "status": status,
    }
    response = await confirm(client, payload)
    assert response.status_code == 200, response.text
