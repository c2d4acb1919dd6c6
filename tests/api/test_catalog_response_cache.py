"""Catalog responses kept in memory: answered without touching the database while the catalog
stays the same, revalidated with ETag/If-None-Match, and within their memory bound."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import update

from shopkeep.catalog.models import Product
from shopkeep.config import Settings
from shopkeep.db import Database, Tx
from shopkeep.http import App
from shopkeep.store.app import create_app
from shopkeep.store.response_cache import CatalogResponseCache
from tests.helpers import counting_statements

CATALOG_PATHS = (
    "/products",
    "/products?category_id=1&sort_by=price&order=desc",
    "/products?search=keyboard",
    "/products/3",
    "/products/3/related",
    "/categories",
    "/categories/2",
    "/brands?category_id=1",
)


async def reprice(tx: Tx, product_id: int, cents: int) -> None:
    await tx.execute(update(Product).where(Product.id == product_id).values(price_cents=cents))


def response_cache(app: App) -> CatalogResponseCache:
    return next(layer for layer in app.layers() if isinstance(layer, CatalogResponseCache))


@pytest.fixture
async def small_cache_app(database: Database, settings: Settings) -> AsyncIterator[App]:
    app = create_app(settings.model_copy(update={"catalog_cache_mb": 1}), database)
    yield app


@pytest.mark.parametrize("path", CATALOG_PATHS)
async def test_a_repeated_catalog_request_is_answered_without_the_database(
    client: httpx.AsyncClient, database: Database, path: str
) -> None:
    first = await client.get(path)
    assert first.status_code == 200
    with counting_statements(database) as statements:
        again = await client.get(path)
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    # PostgreSQL's version row is read by the cache's own connection, outside the engine.
    assert statements == []


async def test_a_change_is_in_the_next_response(
    client: httpx.AsyncClient, database: Database
) -> None:
    before = (await client.get("/products/3")).json()
    await database.write(reprice, 3, 4_321)
    after = (await client.get("/products/3")).json()
    assert (before["price"], after["price"]) == (89.99, 43.21)


async def test_if_none_match_gets_304_until_the_product_changes(
    client: httpx.AsyncClient, database: Database
) -> None:
    first = await client.get("/products/3")
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "no-cache"

    unchanged = await client.get("/products/3", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    weak_among_others = await client.get(
        "/products/3", headers={"If-None-Match": f'"other", W/{etag}'}
    )
    assert weak_among_others.status_code == 304

    await database.write(reprice, 3, 4_321)
    changed = await client.get("/products/3", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["price"] == 43.21
    assert changed.headers["etag"] != etag
    again = await client.get("/products/3", headers={"If-None-Match": changed.headers["etag"]})
    assert again.status_code == 304


async def test_the_same_body_has_the_same_etag_in_another_app(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    """A CDN in front of several store processes revalidates against any of them."""
    other = create_app(settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other), base_url="http://other.test"
    ) as elsewhere:
        for path in ("/products?search=keyboard", "/categories"):
            here, there = await client.get(path), await elsewhere.get(path)
            assert here.headers["etag"] == there.headers["etag"]


async def test_errors_and_other_requests_are_not_kept(
    client: httpx.AsyncClient, database: Database
) -> None:
    missing = await client.get("/products/999999")
    assert missing.status_code == 404
    assert "etag" not in missing.headers
    bad = await client.get("/products?page_size=0")
    assert bad.status_code == 422
    cart = await client.post("/cart")
    assert "etag" not in cart.headers
    with counting_statements(database) as statements:
        assert (await client.get("/products/999999")).status_code == 404
    assert statements  # asked again: a product may appear


async def test_the_cache_stays_within_its_memory_bound(small_cache_app: App) -> None:
    transport = httpx.ASGITransport(app=small_cache_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://store.test") as client:
        seen = 0
        for page_size in range(1, 101):
            for sort_by in ("id", "price", "rating", "name"):
                for order in ("asc", "desc"):
                    path = f"/products?page_size={page_size}&sort_by={sort_by}&order={order}"
                    response = await client.get(path)
                    assert response.status_code == 200
                    seen += len(response.content)
            cache = response_cache(small_cache_app).responses
            assert cache.bytes <= cache.max_bytes == 1024 * 1024
        assert seen > 3 * cache.max_bytes  # far more than fits was asked for
        assert len(cache) > 10  # and the cache still holds the recent ones
