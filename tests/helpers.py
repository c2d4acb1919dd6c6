"""Small helpers shared by the API tests."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import event, pool, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import create_async_engine

from shopkeep import signature
from shopkeep.db import Database, PostgresDatabase, SQLiteDatabase
from tests.conftest import WEBHOOK_SECRET


async def cart_with(client: httpx.AsyncClient, *lines: tuple[int, int]) -> str:
    """A new cart holding `(product_id, quantity)` lines."""
    response = await client.post("/cart")
    assert response.status_code == 200, response.text
    cart_id: str = response.json()["cart_id"]
    for product_id, quantity in lines:
        response = await client.post(
            f"/cart/{cart_id}/items", json={"product_id": product_id, "quantity": quantity}
        )
        assert response.status_code == 200, response.text
    return cart_id


async def checked_out(client: httpx.AsyncClient, *lines: tuple[int, int]) -> dict[str, Any]:
    """Checkout of a new cart: `{"order_id", "total", "message", "cart_id"}`."""
    cart_id = await cart_with(client, *lines)
    response = await client.post(f"/cart/{cart_id}/checkout")
    assert response.status_code == 200, response.text
    return {**response.json(), "cart_id": cart_id}


def signed_callback(
    payload: dict[str, Any], *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps(payload)
    header = signature.sign(secret, body, timestamp=timestamp or int(time.time()))
    return body, {signature.HEADER: header, "Content-Type": "application/json"}


async def confirm(
    client: httpx.AsyncClient, payload: dict[str, Any], **kwargs: Any
) -> httpx.Response:
    body, headers = signed_callback(payload, **kwargs)
    return await client.post("/payments/confirm", content=body, headers=headers)


async def stock_of(client: httpx.AsyncClient, product_id: int) -> int:
    stock: int = (await client.get(f"/products/{product_id}")).json()["stock"]
    return stock


PASSWORD = "correct horse battery"


async def signed_up(
    client: httpx.AsyncClient, username: str = "alice", password: str = PASSWORD
) -> tuple[dict[str, Any], dict[str, str]]:
    """A new seller and the headers that authenticate as them."""
    response = await client.post("/sellers", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["seller"], {"Authorization": f"Bearer {body['access_token']}"}


async def new_product(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    """A product created by the seller of `headers` (category 1, 12.50, 10 in stock unless
    given)."""
    body = {"name": "Lamp", "category_id": 1, "price": 12.5, "stock": 10, **fields}
    response = await client.post("/products", json=body, headers=headers)
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


def _sync_engine(database: Database) -> Engine:
    if isinstance(database, SQLiteDatabase):
        return database.engine
    assert isinstance(database, PostgresDatabase)
    return database.engine.sync_engine


@contextmanager
def counting_statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements `database` runs inside the block (transaction control left out)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):  # transaction control is not a query
            statements.append(statement)

    engine = _sync_engine(database)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def empty_database(database_url: str, directory: Path) -> str:
    """A new, empty database of the same kind as `database_url`."""
    name = "fresh_" + secrets.token_hex(4)
    if database_url.startswith("sqlite"):
        return f"sqlite:///{directory / name}.db"
    admin = create_async_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    async with admin.connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    await admin.dispose()
    return database_url.rsplit("/", 1)[0] + f"/{name}"
