"""Products (seed 002): listing by inventory count, and producers creating, changing and deleting
their own products, with and without a valid token."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.config import Settings
from shopkeep.db import utcnow
from shopkeep.sellers import tokens
from tests.compat.helpers import (
    JSON,
    api_product,
    assert_bearer_challenge,
    bearer,
    producer,
    shopping_cart,
)

KEYBOARD = 3  # the store's own "Mechanical Keyboard": no producer


async def listed(client: httpx.AsyncClient, query: str = "") -> dict[int, JSON]:
    response = await client.get(f"/api/products?page_size=100{query}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["products"])  # one page holds them all
    return {product["id"]: product for product in body["products"]}


def demo_ids_with_at_least(count: int) -> set[int]:
    return {i for i, p in enumerate(DEMO_PRODUCTS, start=1) if p.stock >= count}


async def product_ids(client: httpx.AsyncClient) -> set[int]:
    return set(await listed(client, "&min-inventory-count=0"))


# --- listing ------------------------------------------------------------------------------------


async def test_products_are_listed_in_seed_002s_shape(client: httpx.AsyncClient) -> None:
    products = await listed(client)

    assert products[KEYBOARD] == {
        "id": KEYBOARD,
        "producer_id": None,
        "title": "Mechanical Keyboard",
        "price": 89.99,
        "inventory_count": 75,
    }


@pytest.mark.parametrize(
    ("query", "threshold"),
    [("", 1), ("&min-inventory-count=1", 1), ("&min-inventory-count=0", 0)]
    + [(f"&min-inventory-count={n}", n) for n in (2, 5, 10, 11)],
)
async def test_min_inventory_count_keeps_products_with_at_least_that_many(
    client: httpx.AsyncClient, query: str, threshold: int
) -> None:
    _, auth = await producer(client)
    made = {
        n: (await api_product(client, auth, f"Stock {n}", inventory_count=n))["id"]
        for n in (0, 1, 5, 10)
    }

    found = set(await listed(client, query))

    expected = demo_ids_with_at_least(threshold) | {i for n, i in made.items() if n >= threshold}
    assert found == expected
    assert all(p["inventory_count"] >= threshold for p in (await listed(client, query)).values())


async def test_a_negative_min_inventory_count_lists_everything(client: httpx.AsyncClient) -> None:
    assert set(await listed(client, "&min-inventory-count=-5")) == demo_ids_with_at_least(0)


async def test_products_are_listed_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    first = (await client.get("/api/products?page_size=2")).json()
    second = (await client.get("/api/products?page_size=2&page=2")).json()

    in_stock = sorted(demo_ids_with_at_least(1))
    assert [p["id"] for p in first["products"]] == in_stock[:2]
    assert [p["id"] for p in second["products"]] == in_stock[2:4]
    assert first["total"] == second["total"] == len(in_stock)
    assert (first["page"], first["page_size"]) == (1, 2)


async def test_the_default_page_is_bounded_at_100(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client)
    for n in range(60):
        await api_product(client, auth, f"Mug {n}", inventory_count=1)

    body = (await client.get("/api/products")).json()

    assert body["page_size"] == 100
    assert len(body["products"]) == 100
    assert body["total"] == len(demo_ids_with_at_least(1)) + 60


async def test_one_product_by_id(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 4)

    response = await client.get(f"/api/products/{teapot['id']}")

    assert response.status_code == 200
    assert response.json() == teapot
    assert (await client.get("/api/products/999999")).status_code == 404


# --- creating -----------------------------------------------------------------------------------


async def test_a_producer_creates_a_product_they_own(client: httpx.AsyncClient) -> None:
    maker, auth = await producer(client)

    response = await client.post(
        "/api/products",
        json={"producer_id": maker["id"], "title": "Teapot", "price": 19.99, "inventory_count": 4},
        headers=auth,
    )

    assert response.status_code == 200, response.text
    product = response.json()
    assert product == {
        "id": product["id"],
        "producer_id": maker["id"],
        "title": "Teapot",
        "price": 19.99,
        "inventory_count": 4,
    }
    assert (await client.get(f"/api/products/{product['id']}")).json() == product


async def test_cost_is_another_name_for_price(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client)

    response = await client.post(
        "/api/products", json={"title": "Teapot", "cost": 7.25, "inventory_count": 1}, headers=auth
    )

    assert response.status_code == 200, response.text
    assert response.json()["price"] == 7.25


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-token"),
        pytest.param(bearer("not.a.token"), id="garbage"),
        pytest.param({"Authorization": "Basic bWFrZXI6cHc="}, id="basic-auth"),
    ],
)
async def test_creating_without_a_valid_token_is_401_and_creates_nothing(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    before = await product_ids(client)

    response = await client.post(
        "/api/products",
        json={"title": "Teapot", "price": 19.99, "inventory_count": 4},
        headers=headers,
    )

    assert_bearer_challenge(response)
    assert await product_ids(client) == before


async def test_an_expired_or_forged_token_is_401(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    maker, _ = await producer(client)
    key = settings.resolved_secret_key
    expired = tokens.issue_token(key, maker["id"], minutes=60, now=utcnow() - timedelta(hours=2))
    forged = tokens.issue_token("another key " + "x" * 40, maker["id"], minutes=60)
    body = {"title": "Teapot", "price": 19.99, "inventory_count": 4}

    for token in (expired, forged):
        assert_bearer_challenge(
            await client.post("/api/products", json=body, headers=bearer(token))
        )


async def test_a_cart_token_is_not_a_producers_token(client: httpx.AsyncClient) -> None:
    await producer(client)
    _, cart_auth = await shopping_cart(client)
    body = {"title": "Teapot", "price": 19.99, "inventory_count": 4}

    assert_bearer_challenge(await client.post("/api/products", json=body, headers=cart_auth))
    assert_bearer_challenge(
        await client.post(
            "/products", json={"name": "Teapot", "category_id": 1, "price": 1}, headers=cart_auth
        )
    )


async def test_naming_another_producer_in_the_body_is_401_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await producer(client, "maker")
    other, _ = await producer(client, "other")
    before = await product_ids(client)

    response = await client.post(
        "/api/products",
        json={"producer_id": other["id"], "title": "Teapot", "price": 19.99, "inventory_count": 4},
        headers=auth,
    )

    assert_bearer_challenge(response)
    assert response.json() == {"detail": "producer_id is not the producer of the access token"}
    assert await product_ids(client) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": 19.99, "inventory_count": 4}, "title"),
        ({"title": "Teapot", "inventory_count": 4}, "body"),
        ({"title": "Teapot", "price": 19.999}, "price"),
        ({"title": "Teapot", "price": 0}, "price"),
        ({"title": "Teapot", "price": 5, "cost": 6}, "body"),
        ({"title": "Teapot", "price": 5, "inventory_count": -1}, "inventory_count"),
        ({"title": "", "price": 5}, "title"),
        ({"title": "Teapot", "price": "cheap"}, "price"),
        ({"title": "Teapot", "price": 5, "seller_id": 1}, "seller_id"),
    ],
)
async def test_a_bad_product_is_422_and_creates_nothing(
    client: httpx.AsyncClient, body: JSON, field: str
) -> None:
    _, auth = await producer(client)
    before = await product_ids(client)

    response = await client.post("/api/products", json=body, headers=auth)

    assert response.status_code == 422, response.text
    assert any(field in error["loc"] for error in response.json()["detail"])
    assert await product_ids(client) == before


async def test_a_product_can_be_listed_in_a_chosen_category(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client)

    teapot = await api_product(client, auth, category_id=3)
    cup = await api_product(client, auth)

    assert (await client.get(f"/products/{teapot['id']}")).json()["category_id"] == 3
    assert (await client.get(f"/products/{cup['id']}")).json()["category_id"] == 1
    unknown = await client.post(
        "/api/products", json={"title": "Cup", "price": 1, "category_id": 99}, headers=auth
    )
    assert unknown.status_code == 400
    assert unknown.json() == {"detail": "Category 99 does not exist"}


# --- changing -----------------------------------------------------------------------------------


async def test_the_owner_changes_title_price_and_inventory(client: httpx.AsyncClient) -> None:
    maker, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 4)

    response = await client.put(
        f"/api/products/{teapot['id']}",
        json={
            "producer_id": maker["id"],
            "title": "Big teapot",
            "price": 24.5,
            "inventory_count": 9,
        },
        headers=auth,
    )

    assert response.status_code == 200, response.text
    changed = {**teapot, "title": "Big teapot", "price": 24.5, "inventory_count": 9}
    assert response.json() == changed
    assert (await client.get(f"/api/products/{teapot['id']}")).json() == changed
    store_view = (await client.get(f"/products/{teapot['id']}")).json()
    assert (store_view["name"], store_view["price"], store_view["stock"]) == ("Big teapot", 24.5, 9)


async def test_only_the_fields_given_change(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 4)

    response = await client.put(f"/api/products/{teapot['id']}", json={"cost": 12}, headers=auth)

    assert response.json() == {**teapot, "price": 12.0}


async def test_another_producers_product_is_403_and_unchanged(client: httpx.AsyncClient) -> None:
    _, owner = await producer(client, "owner")
    _, intruder = await producer(client, "intruder")
    teapot = await api_product(client, owner)

    changed = await client.put(
        f"/api/products/{teapot['id']}", json={"price": 0.01}, headers=intruder
    )
    deleted = await client.delete(f"/api/products/{teapot['id']}", headers=intruder)

    assert changed.status_code == deleted.status_code == 403
    assert changed.json() == {"detail": "This product belongs to another seller"}
    assert (await client.get(f"/api/products/{teapot['id']}")).json() == teapot


async def test_the_stores_own_products_belong_to_no_producer(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client)

    response = await client.put(f"/api/products/{KEYBOARD}", json={"price": 1}, headers=auth)

    assert response.status_code == 403
    assert (await client.get(f"/api/products/{KEYBOARD}")).json()["price"] == 89.99


async def test_changing_without_a_valid_token_is_401(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client, "maker")
    other, _ = await producer(client, "other")
    teapot = await api_product(client, auth)

    assert_bearer_challenge(await client.put(f"/api/products/{teapot['id']}", json={"price": 1}))
    assert_bearer_challenge(
        await client.put(
            f"/api/products/{teapot['id']}",
            json={"producer_id": other["id"], "price": 1},
            headers=auth,
        )
    )
    assert (await client.get(f"/api/products/{teapot['id']}")).json() == teapot


async def test_changing_an_unknown_product_is_404(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client)

    response = await client.put("/api/products/999999", json={"price": 1}, headers=auth)

    assert response.status_code == 404
    assert response.json() == {"detail": "Product not found"}


async def test_a_field_cannot_be_set_to_null(client: httpx.AsyncClient) -> None:
    _, auth = await producer(client)
    teapot = await api_product(client, auth)

    response = await client.put(f"/api/products/{teapot['id']}", json={"title": None}, headers=auth)

    assert response.status_code == 422
    assert (await client.get(f"/api/products/{teapot['id']}")).json() == teapot


# --- deleting -----------------------------------------------------------------------------------


async def test_the_owner_deletes_a_product(client: httpx.AsyncClient) -> None:
    maker, auth = await producer(client)
    teapot = await api_product(client, auth)

    response = await client.request(
        "DELETE", f"/api/products/{teapot['id']}", json={"producer_id": maker["id"]}, headers=auth
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"message": f"Product {teapot['id']} deleted"}
    assert (await client.get(f"/api/products/{teapot['id']}")).status_code == 404
    assert teapot["id"] not in await product_ids(client)
    assert (await client.get(f"/api/producer/{maker['id']}")).json()["products"] == []
    again = await client.delete(f"/api/products/{teapot['id']}", headers=auth)
    assert again.status_code == 404


async def test_deleting_without_a_valid_token_is_401_and_deletes_nothing(
    client: httpx.AsyncClient,
) -> None:
    _, auth = await producer(client, "maker")
    other, _ = await producer(client, "other")
    teapot = await api_product(client, auth)

    assert_bearer_challenge(await client.delete(f"/api/products/{teapot['id']}"))
    assert_bearer_challenge(
        await client.request(
            "DELETE",
            f"/api/products/{teapot['id']}",
            json={"producer_id": other["id"]},
            headers=auth,
        )
    )
    assert (await client.get(f"/api/products/{teapot['id']}")).json() == teapot
