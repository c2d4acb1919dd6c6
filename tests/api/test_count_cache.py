"""Cached totals stay exact: every change that can alter a filter's matches invalidates them."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from shopkeep.catalog.models import Product
from shopkeep.db import Database, Tx
from tests.helpers import checked_out


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
        await tx.execute(update(Product).where(Product.id == 3).values(stock=2))

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
