"""Two store processes on one database: a change made through one is in the very next catalog
response of the other, although the other answers repeated requests from memory (its response
cache and its in-memory index)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopkeep.db import Database
from tests.conftest import WEBHOOK_SECRET, load_demo_catalog
from tests.helpers import new_product, signed_up
from tests.servers import running_store

pytestmark = pytest.mark.slow


@pytest.fixture
async def two_stores(
    database_url: str, session_database: Database, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Clients of two `shopkeep store` processes on one SQLite file or PostgreSQL database."""
    env = {"SHOPKEEP_DATA_DIR": str(tmp_path / "data"), "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET}
    if database_url.startswith("postgresql"):
        await load_demo_catalog(session_database)
        env["SHOPKEEP_DATABASE_URL"] = database_url
    with ExitStack() as stack:
        # The first one migrates and seeds; the second starts on the ready database.
        urls = [
            stack.enter_context(running_store(env, log_path=tmp_path / f"store-{n}.log"))
            for n in (1, 2)
        ]
        async with (
            httpx.AsyncClient(base_url=urls[0], timeout=10) as writer,
            httpx.AsyncClient(base_url=urls[1], timeout=10) as reader,
        ):
            yield writer, reader


async def held(reader: httpx.AsyncClient, path: str) -> Any:
    """The reader's answer, asked twice so that the second comes from its memory."""
    first = await reader.get(path)
    again = await reader.get(path, headers={"If-None-Match": first.headers.get("etag", "")})
    assert again.status_code == (304 if first.status_code == 200 else first.status_code)
    return first.json() if first.status_code == 200 else first.status_code


def listing_ids(page: dict[str, Any]) -> list[int]:
    return [product["id"] for product in page["products"]]


async def test_every_change_through_one_process_is_in_the_next_answer_of_the_other(
    two_stores: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    writer, reader = two_stores
    _, seller = await signed_up(writer, "lamps")
    lamp = await new_product(writer, seller, name="Zephyr Lamp", stock=2, price=30)
    product = f"/products/{lamp['id']}"
    by_name = "/products?search=zephyr&sort_by=price"
    in_stock = "/products?search=zephyr&in_stock=true"
    in_clothing = "/products?category_id=2&search=lamp"

    assert (await held(reader, product))["price"] == 30
    assert listing_ids(await held(reader, by_name)) == [lamp["id"]]
    categories = await held(reader, "/categories")

    # price
    assert (await writer.patch(product, json={"price": 25.5}, headers=seller)).status_code == 200
    assert (await held(reader, product))["price"] == 25.5
    assert (await held(reader, "/products?search=zephyr&max_price=26"))["total"] == 1

    # stock crossing zero, through a checkout
    assert (await held(reader, in_stock))["total"] == 1
    cart_id = (await writer.post("/cart")).json()["cart_id"]
    line = {"product_id": lamp["id"], "quantity": 2}
    added = await writer.post(f"/cart/{cart_id}/items", json=line)
    assert added.status_code == 200, added.text
    assert (await writer.post(f"/cart/{cart_id}/checkout")).status_code == 200
    assert (await held(reader, product))["stock"] == 0
    assert (await held(reader, in_stock))["total"] == 0

    # name
    renamed = await writer.patch(product, json={"name": "Aurora Lamp"}, headers=seller)
    assert renamed.status_code == 200
    assert (await held(reader, by_name))["total"] == 0
    assert listing_ids(await held(reader, "/products?search=aurora&sort_by=name")) == [lamp["id"]]

    # category
    assert (await held(reader, in_clothing))["total"] == 0
    moved = await writer.patch(product, json={"category_id": 2}, headers=seller)
    assert moved.status_code == 200
    assert listing_ids(await held(reader, in_clothing)) == [lamp["id"]]
    counts = {c["id"]: c["product_count"] for c in await held(reader, "/categories")}
    assert counts[2] == {c["id"]: c["product_count"] for c in categories}[2] + 1

    # deletion
    assert (await writer.delete(product, headers=seller)).status_code == 204
    assert await held(reader, product) == 404
    assert (await held(reader, in_clothing))["total"] == 0
