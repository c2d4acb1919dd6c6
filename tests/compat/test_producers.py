"""Producers (seed 002): signing up, listing and reading them. Producers are sellers."""

from __future__ import annotations

import httpx

from tests.compat.helpers import api_product, producer
from tests.helpers import PASSWORD


async def test_signing_up_returns_a_token_and_the_new_producer(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/producer", json={"username": "maker", "password": PASSWORD})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["auth_token"].count(".") == 2  # a JWT
    assert body["producer"] == {
        "id": body["producer"]["id"],
        "username": "maker",
        "product_count": 0,
        "products": [],
    }
    me = await client.get("/sellers/me", headers={"Authorization": f"Bearer {body['auth_token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["id"] == body["producer"]["id"]


async def test_a_taken_username_is_409_whatever_its_case(client: httpx.AsyncClient) -> None:
    await producer(client, "maker")

    response = await client.post("/api/producer", json={"username": "MAKER", "password": PASSWORD})

    assert response.status_code == 409
    assert response.json() == {"detail": "Username is already taken"}
    assert len((await client.get("/api/producer")).json()) == 1


async def test_a_password_too_short_is_422_and_creates_nobody(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/producer", json={"username": "maker", "password": "pw-1234"})

    assert response.status_code == 422
    assert "pw-1234" not in response.text  # a password is never echoed back
    assert (await client.get("/api/producer")).json() == []


async def test_listing_producers_shows_each_with_their_products(client: httpx.AsyncClient) -> None:
    first, auth = await producer(client, "first")
    second, _ = await producer(client, "second")
    teapot = await api_product(client, auth, "Teapot", 19.99, 4)

    response = await client.get("/api/producer")

    assert response.status_code == 200
    assert response.json() == [
        {"id": first["id"], "username": "first", "product_count": 1, "products": [teapot]},
        {"id": second["id"], "username": "second", "product_count": 0, "products": []},
    ]


async def test_producers_are_listed_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    for name in ("ann", "bob", "cid"):
        await producer(client, name)

    page = (await client.get("/api/producer?page=2&page_size=2")).json()

    assert [p["username"] for p in page] == ["cid"]
    assert (await client.get("/api/producer?page_size=101")).status_code == 422


async def test_a_producer_is_shown_with_their_products(client: httpx.AsyncClient) -> None:
    maker, auth = await producer(client)
    teapot = await api_product(client, auth, "Teapot", 19.99, 4)
    cup = await api_product(client, auth, "Cup", 4.5, 0)

    response = await client.get(f"/api/producer/{maker['id']}")

    assert response.status_code == 200
    assert response.json() == {
        "id": maker["id"],
        "username": "maker",
        "product_count": 2,
        "products": [teapot, cup],
    }
    assert teapot == {
        "id": teapot["id"],
        "producer_id": maker["id"],
        "title": "Teapot",
        "price": 19.99,
        "inventory_count": 4,
    }


async def test_an_unknown_producer_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/producer/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Producer not found"}
    assert (await client.get("/api/producer/0")).status_code == 404
    assert (await client.get("/api/producer/abc")).status_code == 422
