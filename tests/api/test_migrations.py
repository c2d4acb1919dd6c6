"""Migrations build the schema from nothing, and the models describe exactly that schema."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shopkeep.migrate import upgrade, upgrade_sandbox
from shopkeep.models import Base
from shopkeep.sandbox.models import SandboxBase

EXPECTED_TABLES = {
    "categories",
    "products",
    "carts",
    "cart_items",
    "orders",
    "order_lines",
    "payment_events",
}
SANDBOX_TABLES = {"sandbox_payments", "sandbox_callbacks", "sandbox_delivery_attempts"}
UNMODELLED = ("products_search", "ix_products_name_trgm", "ix_products_description_trgm")


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """The store's objects only: not the unmodelled ones, nor the sandbox's tables."""
    return not (reflected and name is not None and name.startswith((*UNMODELLED, "sandbox_")))


def _include_sandbox(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    table = obj.table.name if type_ in ("index", "column") else name
    return not reflected or (table or "").startswith("sandbox_")


def _schema_report(connection: Connection) -> tuple[set[str], list[Any]]:
    tables = set(inspect(connection).get_table_names())
    store = MigrationContext.configure(connection, opts={"include_object": _include})
    sandbox = MigrationContext.configure(
        connection,
        opts={"include_object": _include_sandbox, "version_table": "sandbox_alembic_version"},
    )
    differences = [
        *compare_metadata(store, Base.metadata),
        *compare_metadata(sandbox, SandboxBase.metadata),
    ]
    return tables, differences


@pytest.fixture
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Any, database_url: str) -> str:
    """An empty database of the same kind as `database_url`."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    name = "fresh_" + secrets.token_hex(4)
    admin = create_async_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    async with admin.connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    await admin.dispose()
    return database_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_migrations_build_every_table_from_an_empty_database_and_match_the_models(
    fresh_url: str,
) -> None:
    await asyncio.to_thread(upgrade, fresh_url)
    # The sandbox's schema can share the database without touching the store's.
    await asyncio.to_thread(upgrade_sandbox, fresh_url)
    if fresh_url.startswith("sqlite"):
        engine = create_engine(fresh_url)
        with engine.connect() as connection:
            tables, differences = _schema_report(connection)
        engine.dispose()
    else:
        async_engine = create_async_engine(fresh_url, poolclass=pool.NullPool)
        async with async_engine.connect() as connection:
            tables, differences = await connection.run_sync(_schema_report)
        await async_engine.dispose()
    assert tables >= EXPECTED_TABLES | SANDBOX_TABLES
    assert differences == []


async def test_upgrading_twice_is_harmless(fresh_url: str) -> None:
    for _ in range(2):
        await asyncio.to_thread(upgrade, fresh_url)
        await asyncio.to_thread(upgrade_sandbox, fresh_url)
