"""Checkouts racing over real HTTP against `shopkeep store --workers 2`: two processes, one
database, and still never more sold than was in stock."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shopkeep.db import Database, create_database
from tests.conftest import WEBHOOK_SECRET, load_demo_catalog
from tests.invariants import (
    assert_stock_invariant,
    pending_orders_holding,
    set_stock,
    stock_levels,
)
from tests.servers import print_log, running_store

pytestmark = pytest.mark.slow

KEYBOARD = 3  # "Mechanical Keyboard" in the demo catalog
RACE_TIMEOUT = 15.0


@dataclass
class LiveStore:
    url: str
    database: Database  # the server's database, opened by the test


@pytest.fixture
async def live_store(
    request: pytest.FixtureRequest,
    database_url: str,
    session_database: Database,
    tmp_path: Path,
) -> AsyncIterator[LiveStore]:
    """`shopkeep store --workers 2` on a fresh SQLite data directory, or on the session's
    PostgreSQL database reloaded with the demo catalog."""
    data_dir = tmp_path / "data"
    env = {"SHOPKEEP_DATA_DIR": str(data_dir), "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET}
    postgres = database_url.startswith("postgresql")
    if postgres:
        await load_demo_catalog(session_database)
        env["SHOPKEEP_DATABASE_URL"] = database_url
    log_path = tmp_path / "store.log"
    failures_before = request.session.testsfailed
    with running_store(env, workers=2, log_path=log_path) as url:
        # The server has migrated and seeded its database by the time it answers.
        database = (
            session_database
            if postgres
            else create_database(f"sqlite:///{data_dir / 'shopkeep.db'}")
        )
        try:
            yield LiveStore(url, database)
        finally:
            if not postgres:
                await database.close()
    if request.session.testsfailed > failures_before:
        print_log(log_path)  # shown with the failure, under "Captured stdout teardown"


async def new_cart(http: httpx.AsyncClient, product_id: int, quantity: int) -> str:
    response = await http.post("/cart")
    assert response.status_code == 200, response.text
    cart_id: str = response.json()["cart_id"]
    response = await http.post(
        f"/cart/{cart_id}/items", json={"product_id": product_id, "quantity": quantity}
    )
    assert response.status_code == 200, response.text
    return cart_id


async def test_fifty_checkouts_over_http_on_two_workers_sell_exactly_ten_units(
    live_store: LiveStore,
) -> None:
    database = live_store.database
    async with httpx.AsyncClient(base_url=live_store.url, timeout=RACE_TIMEOUT) as http:
        carts = [await new_cart(http, KEYBOARD, 1) for _ in range(50)]
        await set_stock(database, KEYBOARD, 10)
        initial = await stock_levels(database)
        name = (await http.get(f"/products/{KEYBOARD}")).json()["name"]

        responses = await asyncio.wait_for(
            asyncio.gather(*(http.post(f"/cart/{cart_id}/checkout") for cart_id in carts)),
            timeout=RACE_TIMEOUT,
        )

        assert Counter(r.status_code for r in responses) == {200: 10, 400: 40}, [
            r.text for r in responses
        ]
        sold_out = f"Not enough stock for '{name}' (requested 1, available 0)"
        assert {r.json()["detail"] for r in responses if r.status_code == 400} == {sold_out}
        assert (await http.get(f"/products/{KEYBOARD}")).json()["stock"] == 0

    sold = {r.json()["order_id"] for r in responses if r.status_code == 200}
    assert await pending_orders_holding(database, KEYBOARD) == sold
    await assert_stock_invariant(database, initial)
