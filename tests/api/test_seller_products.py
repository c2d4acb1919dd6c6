"""Sellers' products (SPEC §6): creating, editing and deleting them, ownership, and what carts,
checkout and orders make of edited and deleted products."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shopkeep.catalog.models import Product
from shopkeep.db import Database, Tx
from shopkeep.orders.models import Order
from tests.helpers import cart_with, confirm, new_product, signed_up
from tests.invariants import assert_stock_invariant, stock_levels

KEYBOARD = 3


async def product_count(database: Database) -> int:
    async def count(tx: Tx) -> int:
        return int(await tx.scalar(select(func.count()).select_from(Product)))

    return await database.read(count)


async def order_count(database: Database) -> int:
    async def count(tx: Tx) -> int:
        return int(await tx.scalar(select(func.count()).select_from(Order)))

    return await database.read(count)


async def category_counts(client: httpx.AsyncClient) -> dict[int, int]:
    return {c["id"]: c["product_count"] for c in (await client.get("/categories")).json()}


async def total(client: httpx.AsyncClient, query: str) -> int:
    response = await client.get(f"/products?{query}")
    assert response.status_code == 200, response.text
    value: int = response.json()["total"]
    return value


# --- creating -----------------------------------------------------------------------------------


async def test_a_seller_creates_a_product_they_own_and_the_catalog_shows_it(
    client: httpx.AsyncClient,
) -> None:
    alice, auth = await signed_up(client, "alice")
    counts = await category_counts(client)
    catalog = await total(client, "page_size=1")

    response = await client.post(
        "/products",
        headers=auth,
        json={
            "name": "  Walnut Desk Lamp ",
            "description": "Warm light, walnut base.",
            "brand": "Lumen",
            "category_id": 3,
            "price": 49.99,
            "stock": 12,
            "image_url": "https://example.com/lamp.png",
        },
    )

    assert response.status_code == 201, response.text
    lamp = response.json()
    assert {key: lamp[key] for key in ("name", "brand", "price", "stock", "seller_id")} == {
        "name": "Walnut Desk Lamp",
        "brand": "Lumen",
        "price": 49.99,
        "stock": 12,
        "seller_id": alice["id"],
    }
    assert lamp["rating"] == 0 and lamp["category"]["id"] == 3
    assert (await client.get(f"/products/{lamp['id']}")).json() == lamp
    mine = (await client.get(f"/products?seller_id={alice['id']}")).json()
    assert [product["id"] for product in mine["products"]] == [lamp["id"]]
    assert await category_counts(client) == {**counts, 3: counts[3] + 1}
    assert await total(client, "page_size=1") == catalog + 1
    assert "Lumen" in (await client.get("/brands?category_id=3")).json()
    found = (await client.get("/products?search=walnut desk")).json()["products"]
    assert [product["id"] for product in found] == [lamp["id"]]


async def test_the_demo_catalog_has_no_seller(client: httpx.AsyncClient) -> None:
    keyboard = (await client.get(f"/products/{KEYBOARD}")).json()

    assert keyboard["seller_id"] is None


FORBIDDEN_FIELDS = [{"seller_id": 1}, {"seller_id": None}, {"rating": 5}, {"id": 1}, {"prce": 10}]


async def test_fields_a_seller_cannot_set_are_refused_not_ignored(
    client: httpx.AsyncClient, database: Database
) -> None:
    _, auth = await signed_up(client, "alice")
    lamp = await new_product(client, auth)
    before = await product_count(database)

    for changes in FORBIDDEN_FIELDS:
        created = await client.post(
            "/products",
            headers=auth,
            json={"name": "Lamp", "category_id": 1, "price": 12.5, **changes},
        )
        edited = await client.patch(f"/products/{lamp['id']}", headers=auth, json=changes)

        assert (created.status_code, edited.status_code) == (422, 422), changes
        if "seller_id" in changes:
            assert "access token" in created.text
    assert await product_count(database) == before
    assert (await client.get(f"/products/{lamp['id']}")).json() == lamp


BAD_FIELDS: list[tuple[dict[str, Any], int]] = [
    ({"price": 0}, 422),
    ({"price": 0.001}, 422),
    ({"price": 19.999}, 422),
    ({"price": -1}, 422),
    ({"price": 1_000_000_000.01}, 422),
    ({"price": "NaN"}, 422),
    ({"price": "abc"}, 422),
    ({"price": None}, 422),
    ({"stock": -1}, 422),
    ({"stock": 1.5}, 422),
    ({"stock": 10**12}, 422),
    ({"name": ""}, 422),
    ({"name": "   "}, 422),
    ({"name": "x" * 201}, 422),
    ({"name": "a\x00b"}, 422),
    ({"name": "a\ud800b"}, 422),
    ({"brand": "\udfff"}, 422),
    ({"name": None}, 422),
    ({"description": "x" * 5001}, 422),
    ({"brand": "x" * 201}, 422),
    ({"category_id": 0}, 422),
    ({"category_id": 2**31}, 422),
    ({"category_id": 99}, 400),
    ({"image_url": "javascript:alert(1)"}, 422),
    ({"image_url": "https://example.com/a b.png"}, 422),
    ({"image_url": "x" * 501}, 422),
]


async def test_bad_product_fields_are_4xx_with_a_sentence_and_change_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    _, auth = await signed_up(client, "alice")
    lamp = await new_product(client, auth)
    before = await product_count(database)

    wrong = {}
    for fields, status in BAD_FIELDS:
        # Escaped JSON, which can carry lone surrogates.
        as_json = {**auth, "content-type": "application/json"}
        created = await client.post(
            "/products",
            headers=as_json,
            content=json.dumps({"name": "Lamp", "category_id": 1, "price": 12.5, **fields}),
        )
        edited = await client.patch(
            f"/products/{lamp['id']}", headers=as_json, content=json.dumps(fields)
        )
        answers = [(r.status_code, bool(r.json()["detail"])) for r in (created, edited)]
        if answers != [(status, True)] * 2:
            wrong[str(fields)[:60]] = answers
        if status == 400:
            assert created.json() == {"detail": "Category 99 does not exist"}

    assert wrong == {}
    assert await product_count(database) == before
    assert (await client.get(f"/products/{lamp['id']}")).json() == lamp


MALFORMED_BODIES = [
    "not json",
    "[]",
    "null",
    '{"name": "Lamp"}',
    '{"category_id": 1, "price": 1}',
    '{"name": "Lamp", "category_id": 1}',
]


async def test_malformed_or_incomplete_product_bodies_are_422(
    client: httpx.AsyncClient, database: Database
) -> None:
    _, auth = await signed_up(client, "alice")
    before = await product_count(database)

    for body in MALFORMED_BODIES:
        response = await client.post(
            "/products", headers={**auth, "Content-Type": "application/json"}, content=body
        )
        assert response.status_code == 422, (body, response.text)
    assert await product_count(database) == before


# --- editing ------------------------------------------------------------------------------------


async def test_editing_changes_only_the_fields_given(client: httpx.AsyncClient) -> None:
    _, auth = await signed_up(client, "alice")
    lamp = await new_product(
        client, auth, description="Warm", brand="Lumen", image_url="/images/lamp.png"
    )

    renamed = await client.patch(
        f"/products/{lamp['id']}", headers=auth, json={"name": "Floor Lamp", "stock": 0}
    )
    nothing = await client.patch(f"/products/{lamp['id']}", headers=auth, json={})
    image_reset = await client.patch(
        f"/products/{lamp['id']}", headers=auth, json={"image_url": None, "price": 15}
    )

    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == {**lamp, "name": "Floor Lamp", "stock": 0}
    assert nothing.json() == renamed.json()
    assert image_reset.json() == {
        **renamed.json(),
        "image_url": f"/images/products/{lamp['id']}.svg",
        "price": 15,
    }


async def test_moving_a_product_to_another_category_moves_its_count(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await signed_up(client, "alice")
    lamp = await new_product(client, auth, category_id=2)
    counts = await category_counts(client)

    moved = await client.patch(f"/products/{lamp['id']}", headers=auth, json={"category_id": 5})

    assert moved.json()["category"]["id"] == 5
    assert await category_counts(client) == {**counts, 2: counts[2] - 1, 5: counts[5] + 1}
    assert lamp["id"] in [
        p["id"]
        for p in (await client.get("/products?category_id=5&page_size=100")).json()["products"]
    ]


async def test_two_sellers_cannot_touch_each_others_products(client: httpx.AsyncClient) -> None:
    _, alice = await signed_up(client, "alice")
    _, bob = await signed_up(client, "bob")
    alices = await new_product(client, alice, name="Alice's lamp")
    bobs = await new_product(client, bob, name="Bob's lamp")

    for created, intruder in ((alices, bob), (bobs, alice)):
        product = (await client.get(f"/products/{created['id']}")).json()
        edited = await client.patch(
            f"/products/{product['id']}", headers=intruder, json={"price": 0.01, "stock": 0}
        )
        deleted = await client.delete(f"/products/{product['id']}", headers=intruder)

        assert edited.status_code == 403 and deleted.status_code == 403
        assert edited.json() == {"detail": "This product belongs to another seller"}
        assert (await client.get(f"/products/{product['id']}")).json() == product

    own = await client.patch(f"/products/{alices['id']}", headers=alice, json={"stock": 3})
    assert own.status_code == 200 and own.json()["stock"] == 3


async def test_no_seller_may_change_the_stores_own_catalog(client: httpx.AsyncClient) -> None:
    _, auth = await signed_up(client, "alice")
    keyboard = (await client.get(f"/products/{KEYBOARD}")).json()

    edited = await client.patch(f"/products/{KEYBOARD}", headers=auth, json={"price": 1})
    deleted = await client.delete(f"/products/{KEYBOARD}", headers=auth)

    assert edited.status_code == 403 and deleted.status_code == 403
    assert "store's own catalog" in edited.json()["detail"]
    assert (await client.get(f"/products/{KEYBOARD}")).json() == keyboard


@pytest.mark.parametrize("product_id", ["999999", "0", "-1"])
async def test_changing_an_unknown_product_is_404(
    client: httpx.AsyncClient, product_id: str
) -> None:
    _, auth = await signed_up(client, "alice")

    edited = await client.patch(f"/products/{product_id}", headers=auth, json={"stock": 1})
    deleted = await client.delete(f"/products/{product_id}", headers=auth)

    assert edited.status_code == 404 and deleted.status_code == 404
    assert edited.json() == {"detail": "Product not found"}


# --- prices in carts and orders -----------------------------------------------------------------


async def test_a_new_price_reaches_carts_at_once_but_orders_keep_the_price_paid(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await signed_up(client, "alice")
    lamp = await new_product(client, auth, price=12.5)
    ordered_cart = await cart_with(client, (lamp["id"], 2))
    order = (await client.post(f"/cart/{ordered_cart}/checkout")).json()
    waiting_cart = await cart_with(client, (lamp["id"], 3), (KEYBOARD, 1))

    response = await client.patch(f"/products/{lamp['id']}", headers=auth, json={"price": 19.99})

    assert response.status_code == 200
    cart = (await client.get(f"/cart/{waiting_cart}")).json()
    assert cart["items"][0] == {
        "product_id": lamp["id"],
        "name": "Lamp",
        "price": 19.99,
        "quantity": 3,
        "line_total": 59.97,
        "available": True,
    }
    assert cart["total"] == 149.96  # 59.97 + 89.99
    placed = (await client.get(f"/orders/{order['order_id']}")).json()
    assert placed["items"][0]["price"] == 12.5 and placed["total"] == 25.0
    checkout = await client.post(f"/cart/{waiting_cart}/checkout")
    assert checkout.json()["total"] == 149.96


# --- deleting -----------------------------------------------------------------------------------


async def test_deleting_a_product_takes_it_out_of_every_part_of_the_catalog(
    client: httpx.AsyncClient,
) -> None:
    alice, auth = await signed_up(client, "alice")
    lamp = await new_product(
        client, auth, name="Quuxotic Lamp", brand="Quuxbrand", category_id=3, price=70
    )
    neighbour = await new_product(client, auth, name="Other", category_id=3)
    counts = await category_counts(client)
    filtered = "category_id=3&min_price=60&max_price=80"
    before = await total(client, filtered)
    assert await total(client, filtered) == before  # the count is cached now

    response = await client.delete(f"/products/{lamp['id']}", headers=auth)

    assert response.status_code == 204 and response.content == b""
    assert (await client.get(f"/products/{lamp['id']}")).status_code == 404
    assert (await client.get(f"/products/{lamp['id']}")).json() == {"detail": "Product not found"}
    assert (await client.get(f"/products/{lamp['id']}/related")).status_code == 404
    assert (await client.get(f"/images/products/{lamp['id']}.svg")).status_code == 404
    related = (await client.get(f"/products/{neighbour['id']}/related?limit=20")).json()
    assert lamp["id"] not in [product["id"] for product in related]
    assert await category_counts(client) == {**counts, 3: counts[3] - 1}
    assert await total(client, filtered) == before - 1
    assert await total(client, "search=quuxotic") == 0
    short = (await client.get("/products?search=uu&page_size=100")).json()  # not indexed
    assert lamp["id"] not in [product["id"] for product in short["products"]]
    assert await total(client, "brand=quuxbrand") == 0
    assert "Quuxbrand" not in (await client.get("/brands")).json()
    assert await total(client, f"seller_id={alice['id']}") == 1
    profile = (await client.get(f"/sellers/{alice['id']}")).json()
    assert profile["product_count"] == 1
    assert [product["id"] for product in profile["products"]] == [neighbour["id"]]
    listing = (await client.get("/products?page_size=100")).json()
    assert lamp["id"] not in [product["id"] for product in listing["products"]]
    assert listing["total"] == sum(counts.values()) - 1


async def test_a_deleted_product_cannot_be_edited_deleted_again_or_added_to_a_cart(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await signed_up(client, "alice")
    lamp = await new_product(client, auth)
    await client.delete(f"/products/{lamp['id']}", headers=auth)
    cart_id = await cart_with(client)

    edited = await client.patch(f"/products/{lamp['id']}", headers=auth, json={"stock": 5})
    deleted = await client.delete(f"/products/{lamp['id']}", headers=auth)
    added = await client.post(f"/cart/{cart_id}/items", json={"product_id": lamp["id"]})

    for response in (edited, deleted, added):
        assert response.status_code == 404
        assert response.json() == {"detail": "Product not found"}
    assert (await client.get(f"/cart/{cart_id}")).json()["items"] == []


async def test_deleting_a_product_held_by_carts_and_orders(
    client: httpx.AsyncClient, database: Database
) -> None:
    _, auth = await signed_up(client, "alice")
    lamp = await new_product(client, auth, name="Lamp", price=12.5, stock=10)
    initial = await stock_levels(database)
    paid = await checked_out_cart(client, (lamp["id"], 2), (KEYBOARD, 1))
    assert (await confirm(client, payment(paid, "pay_paid"))).status_code == 200
    pending = await checked_out_cart(client, (lamp["id"], 1))
    cart_id = await cart_with(client, (KEYBOARD, 2), (lamp["id"], 3))

    assert (await client.delete(f"/products/{lamp['id']}", headers=auth)).status_code == 204

    # The cart shows the line, unavailable and outside the total.
    cart = (await client.get(f"/cart/{cart_id}")).json()
    assert cart["items"] == [
        {
            "product_id": KEYBOARD,
            "name": "Mechanical Keyboard",
            "price": 89.99,
            "quantity": 2,
            "line_total": 179.98,
            "available": True,
        },
        {
            "product_id": lamp["id"],
            "name": "Lamp",
            "price": 12.5,
            "quantity": 3,
            "line_total": 0.0,
            "available": False,
        },
    ]
    assert cart["total"] == 179.98

    # Checkout refuses, naming the product, and changes nothing.
    orders_before = await order_count(database)
    stock_before = await stock_levels(database)
    refused = await client.post(f"/cart/{cart_id}/checkout")
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "'Lamp' is no longer available; remove it from the cart to check out"
    }
    assert await order_count(database) == orders_before
    assert await stock_levels(database) == stock_before
    assert (await client.get(f"/cart/{cart_id}")).json() == cart

    # The line can only be removed: raising its quantity is refused.
    more = await client.patch(f"/cart/{cart_id}/items/{lamp['id']}", json={"quantity": 4})
    assert more.status_code == 404
    removed = await client.patch(f"/cart/{cart_id}/items/{lamp['id']}", json={"quantity": 0})
    assert removed.status_code == 200
    assert [item["product_id"] for item in removed.json()["items"]] == [KEYBOARD]
    assert (await client.post(f"/cart/{cart_id}/checkout")).status_code == 200

    # Orders keep their lines, names and prices; the pending one can still be paid or fail.
    paid_order = (await client.get(f"/orders/{paid['order_id']}")).json()
    assert paid_order["status"] == "paid" and paid_order["total"] == 114.99
    assert [
        (i["product_id"], i["name"], i["price"], i["quantity"]) for i in paid_order["items"]
    ] == [
        (KEYBOARD, "Mechanical Keyboard", 89.99, 1),
        (lamp["id"], "Lamp", 12.5, 2),
    ]
    failed = await confirm(client, {**payment(pending, "pay_failed"), "status": "failed"})
    assert failed.json()["status"] == "payment_failed"
    pending_order = (await client.get(f"/orders/{pending['order_id']}")).json()
    assert [(i["name"], i["price"]) for i in pending_order["items"]] == [("Lamp", 12.5)]
    await assert_stock_invariant(database, initial)


async def checked_out_cart(client: httpx.AsyncClient, *lines: tuple[int, int]) -> dict[str, Any]:
    cart_id = await cart_with(client, *lines)
    response = await client.post(f"/cart/{cart_id}/checkout")
    assert response.status_code == 200, response.text
    return {**response.json(), "cart_id": cart_id}


def payment(order: dict[str, Any], payment_id: str) -> dict[str, Any]:
    return {
        "payment_id": payment_id,
        "order_id": order["order_id"],
        "amount": order["total"],
        "status": "success",
    }
