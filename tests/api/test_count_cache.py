"""Cached totals and brand lists stay exact: every change that can alter a filter's matches or
the brands in use invalidates them."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import delete, insert, update

from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.catalog.models import Product
from shopkeep.catalog.service import list_brands
from shopkeep.db import Database, Tx, utcnow
from tests.helpers import checked_out, counting_statements
from tests.invariants import set_product

ELECTRONICS, CLOTHING = 1, 2
NEW_PRODUCT = 1_000


async def total(client: httpx.AsyncClient, query: str) -> int:
    response = await client.get(f"/products?{query}&page_size=1")
    assert response.status_code == 200
    value: int = response.json()["total"]
    return value


async def test_a_price_change_updates_a_cached_price_filter_total(
    client: httpx.AsyncClient, database: Database
) -> None:
    query = "min_price=80&max_price=95"
    before = await total(client, query)
    assert await total(client, query) == before  # now answered from the cache

    async def reprice(tx: Tx) -> None:
        await tx.execute(update(Product).where(Product.id == 3).values(price_cents=100))

    await database.write(reprice)
    assert await total(client, query) == before - 1


async def test_selling_the_last_unit_updates_a_cached_in_stock_total(
    client: httpx.AsyncClient, database: Database
) -> None:
    async def leave_two(tx: Tx) -> None:
        await set_product(tx, 3, stock=2)

    await database.write(leave_two)
    before = await total(client, "in_stock=true")
    assert await total(client, "in_stock=true") == before
    await checked_out(client, (3, 1))
    assert await total(client, "in_stock=true") == before  # one unit left: still in stock
    await checked_out(client, (3, 1))
    assert await total(client, "in_stock=true") == before - 1


async def test_min_stock_totals_follow_every_sale(client: httpx.AsyncClient) -> None:
    before = await total(client, "min_stock=75")
    await checked_out(client, (3, 1))  # the keyboard had exactly 75
    assert await total(client, "min_stock=75") == before - 1


async def brands(client: httpx.AsyncClient, category_id: int | None = None) -> list[str]:
    params = {} if category_id is None else {"category_id": category_id}
    response = await client.get("/brands", params=params)
    assert response.status_code == 200
    listed: list[str] = response.json()
    return listed


def demo_brands(category_id: int | None = None, *extra: str) -> list[str]:
    return sorted(
        {p.brand for p in DEMO_PRODUCTS if category_id in (None, p.category_id)} | set(extra)
    )


async def test_brand_lists_are_read_once_per_catalog_version(database: Database) -> None:
    for category_id in (None, ELECTRONICS):
        assert await database.read(list_brands, category_id) == demo_brands(category_id)
        with counting_statements(database) as statements:
            assert await database.read(list_brands, category_id) == demo_brands(category_id)
        assert not any("DISTINCT" in statement.upper() for statement in statements), statements


async def test_brand_lists_follow_products_added_renamed_moved_deleted_and_removed(
    client: httpx.AsyncClient, database: Database
) -> None:
    async def change(tx: Tx, statement: Any) -> None:
        await tx.execute(statement)

    product = Product.id == NEW_PRODUCT
    steps: list[tuple[Any, dict[int | None, list[str]]]] = [
        (
            insert(Product).values(
                id=NEW_PRODUCT,
                name="Desk Fan",
                brand="Zenith Goods",
                category_id=ELECTRONICS,
                price_cents=1_999,
                stock=3,
            ),
            {
                None: demo_brands(None, "Zenith Goods"),
                ELECTRONICS: demo_brands(ELECTRONICS, "Zenith Goods"),
                CLOTHING: demo_brands(CLOTHING),
            },
        ),
        (
            update(Product).where(product).values(brand="Aurora Works"),
            {
                None: demo_brands(None, "Aurora Works"),
                ELECTRONICS: demo_brands(ELECTRONICS, "Aurora Works"),
            },
        ),
        (
            update(Product).where(product).values(category_id=CLOTHING),
            {
                ELECTRONICS: demo_brands(ELECTRONICS),
                CLOTHING: demo_brands(CLOTHING, "Aurora Works"),
            },
        ),
        (
            # A seller deletes the product: it stays in the table, out of the catalog.
            update(Product).where(product).values(deleted_at=utcnow()),
            {None: demo_brands(), CLOTHING: demo_brands(CLOTHING)},
        ),
        (
            update(Product).where(product).values(deleted_at=None),
            {
                None: demo_brands(None, "Aurora Works"),
                CLOTHING: demo_brands(CLOTHING, "Aurora Works"),
            },
        ),
        (
            delete(Product).where(product),
            {None: demo_brands(), CLOTHING: demo_brands(CLOTHING)},
        ),
    ]
    for category_id in (None, ELECTRONICS, CLOTHING):  # every list cached before the changes
        assert await brands(client, category_id) == demo_brands(category_id)
    for statement, expected in steps:
        await database.write(change, statement)
        for category_id, listed in expected.items():
            assert await brands(client, category_id) == listed, (statement, category_id)
