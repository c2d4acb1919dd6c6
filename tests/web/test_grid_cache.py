"""Grid pages kept in memory for shoppers without a cart: each still gets its own form token
(and cookie), a change to the catalog is in the next page, and a cart's page is never kept."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import update

from shopkeep.catalog.models import Product
from shopkeep.config import Settings
from shopkeep.db import Database, Tx
from shopkeep.web import csrf
from tests.helpers import counting_statements
from tests.inprocess import WEB, Apps, client, wired_apps, wired_settings
from tests.web.helpers import TOKEN

GRID = "/?search=keyboard"


@pytest.fixture
async def apps(database: Database, settings: Settings, sandbox_schema: None) -> AsyncIterator[Apps]:
    """The apps with no sandbox sender: its outbox polling would be counted as the page's SQL."""
    async with wired_apps(wired_settings(settings), database, sandbox_sender=False) as apps:
        yield apps


def secret(settings: Settings) -> str:
    return wired_settings(settings).resolved_session_secret


async def first_visit(apps: Apps, path: str = GRID) -> httpx.Response:
    async with client(apps.web, WEB) as browser:
        response = await browser.get(path)
    assert response.status_code == 200
    return response


async def test_first_visits_get_a_kept_page_with_their_own_token_and_cookie(
    apps: Apps, database: Database, settings: Settings
) -> None:
    made = await first_visit(apps)
    with counting_statements(database) as statements:
        kept = await first_visit(apps)
    assert statements == []
    seeds = [response.cookies[csrf.COOKIE] for response in (made, kept)]
    tokens = [TOKEN.findall(response.text) for response in (made, kept)]
    assert seeds[0] != seeds[1]
    for seed, found in zip(seeds, tokens, strict=True):
        assert found and set(found) == {csrf.token(secret(settings), seed)}
    assert made.text.replace(tokens[0][0], "") == kept.text.replace(tokens[1][0], "")
    assert kept.headers["cache-control"] == "private, no-cache"


async def test_a_returning_browser_gets_the_token_of_its_own_cookie(
    apps: Apps, shop: httpx.AsyncClient, settings: Settings
) -> None:
    await first_visit(apps)  # the page is kept
    await shop.get("/")  # the browser gets its cookie
    seed = shop.cookies[csrf.COOKIE]
    page = await shop.get(GRID)
    assert "set-cookie" not in page.headers
    assert set(TOKEN.findall(page.text)) == {csrf.token(secret(settings), seed)}


async def test_a_catalog_change_is_in_the_next_kept_page(apps: Apps, database: Database) -> None:
    async def reprice(tx: Tx) -> None:
        await tx.execute(update(Product).where(Product.id == 3).values(price_cents=4_321))

    assert "$89.99" in (await first_visit(apps)).text
    await database.write(reprice)
    page = (await first_visit(apps)).text
    assert "$43.21" in page and "$89.99" not in page


async def test_a_shopper_with_a_cart_gets_a_page_made_for_them(
    apps: Apps, shop: httpx.AsyncClient, database: Database
) -> None:
    await first_visit(apps)
    token = TOKEN.findall((await shop.get("/products/3")).text)[0]
    added = await shop.post("/cart/items", data={"csrf_token": token, "product_id": "3"})
    assert added.status_code in (303, 200), added.text
    with counting_statements(database) as statements:
        page = await shop.get(GRID)
    assert statements
    assert re.search(r"data-cart-count>\s*1\s*<", page.text), page.text[:2000]
