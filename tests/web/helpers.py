"""Reading the storefront's pages and posting its forms, as a browser without JavaScript does."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
CARD_NAME = re.compile(r'<h3 class="card-name"><a href="/products/(\d+)">')
ORDER_PATH = re.compile(r"^/orders/([0-9a-f]{32})$")
# The checkout form's fields, filled in as a shopper would.
CUSTOMER = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
    "phone": "",
    "note": "",
    "shipping_method": "standard",
}


async def form_token(client: httpx.AsyncClient, path: str = "/") -> str:
    """The CSRF token of the forms on `path` (which sets the token's cookie when missing)."""
    response = await client.get(path)
    assert response.status_code == 200, response.text
    match = TOKEN.search(response.text)
    assert match, f"no form token on {path}"
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient,
    action: str,
    fields: dict[str, str] | None = None,
    *,
    token: str | None = None,
    page: str = "/",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Post a form as the page at `page` would, token included."""
    if token is None:
        token = await form_token(client, page)
    return await client.post(action, data={"csrf_token": token, **(fields or {})}, headers=headers)


async def add(
    client: httpx.AsyncClient, product_id: int, quantity: int | str = 1, **kwargs: Any
) -> httpx.Response:
    return await post_form(
        client,
        "/cart/items",
        {"product_id": str(product_id), "quantity": str(quantity), "next": "/"},
        **kwargs,
    )


def card_ids(page: str) -> list[int]:
    """The ids of the product cards on a page, in order."""
    return [int(found) for found in CARD_NAME.findall(page)]


def text_of(page: str) -> str:
    """The page's text without tags, whitespace collapsed, entities decoded."""
    without_tags = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(without_tags).split())


async def cart_lines(client: httpx.AsyncClient) -> dict[int, int]:
    """The cart's lines as quantities by product id, read from the cart page."""
    page = (await client.get("/cart")).text
    return {
        int(pid): int(q) for pid, q in re.findall(r'id="line-(\d+)" data-quantity="(\d+)"', page)
    }
