"""Unpaid orders expire after the TTL and give their stock back."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import update

from shopkeep.config import Settings
from shopkeep.db import Database, Tx, utcnow
from shopkeep.orders.models import Order
from shopkeep.orders.service import expire_orders
from shopkeep.store.app import create_app
from tests.helpers import checked_out, stock_of


async def make_overdue(tx: Tx, order_id: str) -> None:
    await tx.execute(
        update(Order).where(Order.id == order_id).values(expires_at=utcnow() - timedelta(seconds=1))
    )


async def test_orders_within_their_ttl_do_not_expire(
    client: httpx.AsyncClient, database: Database
) -> None:
    order = await checked_out(client, (3, 4))
    assert await database.write(expire_orders) == 0
    assert await database.write(expire_orders, utcnow() + timedelta(minutes=29)) == 0
    assert (await client.get(f"/orders/{order['order_id']}")).json()["status"] == "pending_payment"
    assert await stock_of(client, 3) == 71


async def test_orders_past_their_ttl_expire_once_and_return_their_stock(
    client: httpx.AsyncClient, database: Database
) -> None:
    order = await checked_out(client, (3, 4))
    later = utcnow() + timedelta(minutes=31)
    assert await database.write(expire_orders, later) == 1
    assert await database.write(expire_orders, later) == 0
    assert (await client.get(f"/orders/{order['order_id']}")).json()["status"] == "expired"
    assert await stock_of(client, 3) == 75
    cart = await client.get(f"/cart/{order['cart_id']}")
    assert cart.status_code == 200  # the shopper can check out again


async def test_the_running_store_expires_overdue_orders_by_itself(
    database: Database, settings: Settings
) -> None:
    settings.expire_interval_seconds = 0.02
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://store.test") as client,
    ):
        order = await checked_out(client, (3, 4))
        await database.write(make_overdue, order["order_id"])

        async def expired() -> None:
            url = f"/orders/{order['order_id']}"
            # Observed from outside, as a client would: poll the order until the task ran.
            while (await client.get(url)).json()["status"] != "expired":  # noqa: ASYNC110
                await asyncio.sleep(0.01)

        await asyncio.wait_for(expired(), timeout=10)
        assert await stock_of(client, 3) == 75
