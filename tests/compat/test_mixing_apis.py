"""Both APIs over one shop: `/api` products are the catalog's, sellers' products are `/api`'s,
producers are sellers, a shopping cart is a cart and its order is the store's."""

from __future__ import annotations

import httpx

from shopkeep.config import Settings
from shopkeep.db import Database
from tests.compat.helpers import api_product, bearer, filled_cart, producer, put
from tests.helpers import PASSWORD, new_product, signed_up
from tests.inprocess import WEB, wired_apps, wired_settings
from tests.inprocess import client as app_client
from tests.web.helpers import card_ids

KEYBOARD = 3


async def log_in(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post("/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


async def test_a_product_made_through_api_is_in_the_catalog_and_the_storefront(
    client: httpx.AsyncClient, database: Database, settings: Settings, sandbox_schema: None
) -> None:
    maker, auth = await producer(client)
    teapot = await api_product(client, auth, "Porcelain Teapot", 19.99, 4)

    product = (await client.get(f"/products/{teapot['id']}")).json()
    assert (product["name"], product["price"], product["stock"], product["seller_id"]) == (
        "Porcelain Teapot",
        19.99,
        4,
        maker["id"],
    )
    found = (await client.get("/products?search=porcelain")).json()
    assert [p["id"] for p in found["products"]] == [teapot["id"]]
    assert (await client.get(f"/products?seller_id={maker['id']}")).json()["total"] == 1
    seller = (await client.get(f"/sellers/{maker['id']}")).json()
    assert [p["name"] for p in seller["products"]] == ["Porcelain Teapot"]

    async with (
        wired_apps(wired_settings(settings), database, sandbox_sender=False) as apps,
        app_client(apps.web, WEB) as shop,
    ):
        page = await shop.get(f"/products/{teapot['id']}")
        grid = await shop.get("/?search=porcelain")
    assert page.status_code == 200
    assert "Porcelain Teapot" in page.text
    assert "19.99" in page.text
    assert card_ids(grid.text) == [teapot["id"]]


async def test_a_sellers_product_is_in_api_products(client: httpx.AsyncClient) -> None:
    seller, auth = await signed_up(client, "alice")
    lamp = await new_product(client, auth, name="Desk Lamp", price=12.5, stock=3)

    listed = (await client.get("/api/products?page_size=100")).json()["products"]

    expected = {
        "id": lamp["id"],
        "producer_id": seller["id"],
        "title": "Desk Lamp",
        "price": 12.5,
        "inventory_count": 3,
    }
    assert expected in listed
    assert (await client.get(f"/api/products/{lamp['id']}")).json() == expected
    assert (await client.get(f"/api/producer/{seller['id']}")).json()["products"] == [expected]
    assert (await client.get("/api/producer")).json()[0]["username"] == "alice"


async def test_a_producer_logs_in_as_a_seller_and_a_seller_works_as_a_producer(
    client: httpx.AsyncClient,
) -> None:
    maker, _ = await producer(client, "maker")
    seller, seller_auth = await signed_up(client, "alice")

    # The producer's password logs in on the store's own endpoint; that token works on /api.
    maker_auth = await log_in(client, "maker")
    teapot = await api_product(client, maker_auth, "Teapot")
    assert teapot["producer_id"] == maker["id"]
    # The seller's token works on /api, and the producer's on the seller endpoints.
    cup = await api_product(client, seller_auth, "Cup")
    assert cup["producer_id"] == seller["id"]
    patched = await client.patch(
        f"/products/{teapot['id']}", json={"stock": 50}, headers=maker_auth
    )
    assert patched.status_code == 200, patched.text
    assert (await client.get(f"/api/products/{teapot['id']}")).json()["inventory_count"] == 50


async def test_ownership_holds_across_both_apis(client: httpx.AsyncClient) -> None:
    _, maker_auth = await producer(client, "maker")
    _, seller_auth = await signed_up(client, "alice")
    teapot = await api_product(client, maker_auth, "Teapot")
    lamp = await new_product(client, seller_auth)

    assert (
        await client.put(f"/api/products/{lamp['id']}", json={"price": 1}, headers=maker_auth)
    ).status_code == 403
    assert (
        await client.patch(f"/products/{teapot['id']}", json={"price": 1}, headers=seller_auth)
    ).status_code == 403
    assert (
        await client.delete(f"/products/{teapot['id']}", headers=seller_auth)
    ).status_code == 403
    assert (await client.get(f"/api/products/{teapot['id']}")).json() == teapot


async def test_a_product_deleted_by_its_seller_leaves_api_products(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth)

    assert (await client.delete(f"/products/{teapot['id']}", headers=auth)).status_code == 204

    assert (await client.get(f"/api/products/{teapot['id']}")).status_code == 404
    ids = [p["id"] for p in (await client.get("/api/products?page_size=100")).json()["products"]]
    assert teapot["id"] not in ids


async def test_a_shopping_cart_is_a_cart_of_the_store(client: httpx.AsyncClient) -> None:
    cart_id, auth = await filled_cart(client, (KEYBOARD, 2))

    cart = (await client.get(f"/cart/{cart_id}")).json()
    assert [(i["product_id"], i["quantity"]) for i in cart["items"]] == [(KEYBOARD, 2)]

    # A line added through the store's own cart endpoints shows in /api, cached price included.
    added = await client.post(f"/cart/{cart_id}/items", json={"product_id": 5, "quantity": 1})
    assert added.status_code == 200, added.text
    shopping = (await client.get(f"/api/shopping_cart/{cart_id}", headers=auth)).json()
    assert {e["product_id"]: e["quantity"] for e in shopping["shopping_cart_entries"]} == {
        KEYBOARD: 2,
        5: 1,
    }
    assert shopping["cached_price"] == (await client.get(f"/cart/{cart_id}")).json()["total"]


async def test_an_api_checkout_replaces_a_pending_order_of_the_same_cart(
    client: httpx.AsyncClient,
) -> None:
    cart_id, auth = await filled_cart(client, (KEYBOARD, 2))
    pending = (await client.post(f"/cart/{cart_id}/checkout")).json()
    assert (await client.get(f"/products/{KEYBOARD}")).json()["stock"] == 73
    assert (await put(client, cart_id, auth, KEYBOARD, 3)).status_code == 200

    response = await client.post(f"/api/shopping_cart/{cart_id}/checkout", headers=auth)

    assert response.status_code == 200, response.text
    assert (await client.get(f"/orders/{pending['order_id']}")).json()["status"] == "cancelled"
    assert (await client.get(f"/orders/{response.json()['order_id']}")).json()["status"] == "paid"
    assert (await client.get(f"/products/{KEYBOARD}")).json()["stock"] == 72
