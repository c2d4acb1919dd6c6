"""Migrations build the schema from nothing, and the models describe exactly that schema."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, pool, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.catalog.models import Product
from shopkeep.catalog.service import ProductQuery, list_categories, search_products
from shopkeep.db import Tx, create_database, utcnow
from shopkeep.migrate import SANDBOX_MIGRATIONS, alembic_config, upgrade, upgrade_sandbox
from shopkeep.models import Base
from shopkeep.sandbox.models import SandboxBase
from tests.conftest import WEBHOOK_SECRET
from tests.helpers import empty_database
from tests.servers import running_store, shopkeep_command

EXPECTED_TABLES = {
    "categories",
    "catalog_changes",
    "products",
    "carts",
    "cart_items",
    "orders",
    "order_lines",
    "payment_events",
    "sellers",
    "login_attempts",
    "staff",
    "payments",
    "payment_cancellations",
    "refunds",
    "applied_refunds",
    "order_events",
    "stock_movements",
}
SANDBOX_TABLES = {
    "sandbox_payments",
    "sandbox_callbacks",
    "sandbox_delivery_attempts",
    "sandbox_refunds",
    "sandbox_idempotency_keys",
}
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
async def fresh_url(tmp_path: Path, database_url: str) -> str:
    """An empty database of the same kind as `database_url`."""
    return await empty_database(database_url, tmp_path)


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


async def run_sql(url: str, *statements: str) -> list[list[Any]]:
    """Run statements in one transaction outside the app; the rows of each."""

    def run(connection: Connection) -> list[list[Any]]:
        results = [connection.execute(text(statement)) for statement in statements]
        return [list(result.all()) if result.returns_rows else [] for result in results]

    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.begin() as connection:
            rows = run(connection)
        engine.dispose()
        return rows
    async_engine = create_async_engine(url, poolclass=pool.NullPool)
    async with async_engine.begin() as connection:
        rows = await connection.run_sync(run)
    await async_engine.dispose()
    return rows


async def catalog_view(url: str, search: str) -> tuple[dict[int, int], list[int]]:
    """Category counts, and the ids the catalog finds for `search`, as the store sees them."""
    database = create_database(url)
    try:
        counts = {c["id"]: c["product_count"] for c in await database.read(list_categories)}
        page = await database.read(search_products, ProductQuery(search=search))
    finally:
        await database.close()
    return counts, [product["id"] for product in page["products"]]


@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_a_catalog_survives_the_sellers_migration_both_ways(fresh_url: str) -> None:
    await asyncio.to_thread(upgrade, fresh_url, "0001")
    old = "2026-01-01 00:00:00"
    await run_sql(
        fresh_url,
        "INSERT INTO categories (id, name) VALUES (1, 'Electronics'), (2, 'Books')",
        "INSERT INTO products (id, name, description, category_id, price_cents, stock) VALUES "
        "(1, 'Mechanical Keyboard', 'Clicky keys', 1, 8999, 5), "
        "(2, 'Quiet Novel', 'A story', 2, 1299, 3)",
        f"INSERT INTO carts VALUES ('{'c' * 32}', 'open', '{old}', '{old}')",
        f"INSERT INTO cart_items VALUES ('{'c' * 32}', 2, 1, '{old}')",
    )

    await asyncio.to_thread(upgrade, fresh_url)

    assert await catalog_view(fresh_url, "keyboard") == ({1: 1, 2: 1}, [1])
    [[(line,)]] = await run_sql(fresh_url, "SELECT product_id FROM cart_items")
    assert line == 2

    async def delete_novel(tx: Tx) -> None:
        await tx.execute(update(Product).where(Product.id == 2).values(deleted_at=utcnow()))

    database = create_database(fresh_url)
    await database.write(delete_novel)
    await database.close()
    assert await catalog_view(fresh_url, "novel") == ({1: 1, 2: 0}, [])

    # Back to 0001: the deleted product returns to the catalog, counted and searchable.
    await asyncio.to_thread(command.downgrade, alembic_config(fresh_url), "0001")
    [[(count,)]] = await run_sql(fresh_url, "SELECT product_count FROM categories WHERE id = 2")
    assert count == 1
    if fresh_url.startswith("sqlite"):
        [hits] = await run_sql(
            fresh_url, "SELECT rowid FROM products_search WHERE products_search MATCH 'novel'"
        )
        assert hits == [(2,)]

    await asyncio.to_thread(upgrade, fresh_url)
    assert await catalog_view(fresh_url, "novel") == ({1: 1, 2: 1}, [2])


async def test_open_carts_start_with_their_total_as_cached_total(fresh_url: str) -> None:
    await asyncio.to_thread(upgrade, fresh_url, "0002")
    old = "2026-01-01 00:00:00"
    open_cart, paid_cart = "a" * 32, "b" * 32
    await run_sql(
        fresh_url,
        "INSERT INTO categories (id, name) VALUES (1, 'Electronics')",
        "INSERT INTO products (id, name, category_id, price_cents, stock) VALUES "
        "(1, 'Teapot', 1, 1999, 5), (2, 'Cup', 1, 450, 5)",
        f"INSERT INTO products (id, name, category_id, price_cents, stock, deleted_at) VALUES "
        f"(3, 'Gone', 1, 999, 5, '{old}')",
        f"INSERT INTO carts VALUES ('{open_cart}', 'open', '{old}', '{old}'), "
        f"('{paid_cart}', 'closed', '{old}', '{old}')",
        f"INSERT INTO cart_items VALUES ('{open_cart}', 1, 3, '{old}'), "
        f"('{open_cart}', 2, 1, '{old}'), ('{open_cart}', 3, 2, '{old}'), "
        f"('{paid_cart}', 1, 1, '{old}')",
    )

    await asyncio.to_thread(upgrade, fresh_url)

    [rows] = await run_sql(fresh_url, "SELECT id, cached_total_cents FROM carts ORDER BY id")
    assert rows == [(open_cart, 3 * 1999 + 450), (paid_cart, 0)]
    # Back to 0002: carts have their four columns again, and keep their rows.
    await asyncio.to_thread(command.downgrade, alembic_config(fresh_url), "0002")
    [_, [(count,)]] = await run_sql(
        fresh_url,
        f"INSERT INTO carts VALUES ('{'c' * 32}', 'open', '{old}', '{old}')",
        "SELECT count(*) FROM carts",
    )
    assert count == 3
    await asyncio.to_thread(upgrade, fresh_url)


def _upgrade_process(url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    """`shopkeep db upgrade` of `url`, as a separate process (its log on stdout)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEP_")}
    return subprocess.Popen(
        [str(shopkeep_command()), "db", "upgrade"],
        env={
            **inherited,
            "PYTHONUNBUFFERED": "1",
            "SHOPKEEP_DATABASE_URL": url,
            "SHOPKEEP_DATA_DIR": str(data_dir),
        },
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_for_line(process: subprocess.Popen[bytes], marker: bytes) -> None:
    """Read the process's output until a line holds `marker`."""
    assert process.stdout is not None
    for line in process.stdout:
        if marker in line:
            return
    raise AssertionError(f"the process ended without saying {marker!r}")


async def _revision(url: str) -> str | None:
    """The store schema's revision, None when nothing was ever committed."""

    def read(connection: Connection) -> str | None:
        if "alembic_version" not in inspect(connection).get_table_names():
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.connect() as connection:
            revision = read(connection)
        engine.dispose()
        return revision
    async_engine = create_async_engine(url, poolclass=pool.NullPool)
    async with async_engine.connect() as connection:
        revision = await connection.run_sync(read)
    await async_engine.dispose()
    return revision


# The newest store revision, whichever it is.
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_an_upgrade_killed_at_any_moment_leaves_the_old_or_the_new_revision(
    database_url: str, tmp_path: Path
) -> None:
    killed_while_running = 0
    # SIGKILL this many milliseconds after Alembic says it started the first revision.
    for delay_ms in (0, 5, 20, 80, 160):
        url = await empty_database(database_url, tmp_path)
        process = _upgrade_process(url, tmp_path)
        await asyncio.to_thread(_wait_for_line, process, b"Running upgrade  -> 0001")
        await asyncio.sleep(delay_ms / 1000)
        process.kill()
        if await asyncio.to_thread(process.wait) != 0:
            killed_while_running += 1
        assert await _revision(url) in (None, HEAD), f"killed after {delay_ms} ms"
        again = _upgrade_process(url, tmp_path)
        output, _ = await asyncio.to_thread(again.communicate)
        assert again.returncode == 0, output.decode()
        assert await _revision(url) == HEAD
        assert await catalog_view(url, "keyboard") == ({}, [])
    assert killed_while_running >= 3  # the early kills landed before the upgrade had finished


@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_three_processes_upgrading_one_empty_database_at_once_all_succeed(
    fresh_url: str, tmp_path: Path
) -> None:
    processes = [_upgrade_process(fresh_url, tmp_path) for _ in range(3)]
    for process in processes:
        output, _ = await asyncio.to_thread(process.communicate)
        assert process.returncode == 0, output.decode()
    assert await _revision(fresh_url) == HEAD


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_three_stores_started_at_once_on_an_empty_database_all_come_up(
    fresh_url: str, tmp_path: Path
) -> None:
    env = {
        "SHOPKEEP_DATA_DIR": str(tmp_path),
        "SHOPKEEP_DATABASE_URL": fresh_url,
        "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    with ExitStack() as stores, ThreadPoolExecutor(3) as starting:
        urls = list(starting.map(lambda _: stores.enter_context(running_store(env)), range(3)))
        totals = {httpx.get(f"{url}/products").json()["total"] for url in urls}
    assert totals == {len(DEMO_PRODUCTS)}  # the demo catalog, loaded once


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_a_new_sqlite_database_is_a_wal_one_once_migrated(tmp_path: Path) -> None:
    """Made so under the migration lock: a serving process would need the file to itself for
    the switch, while the processes started with it are migrating or loading the catalog."""
    path = tmp_path / "shop.db"
    upgrade(f"sqlite:///{path}")
    upgrade_sandbox(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_this_waves_migrations_go_down_and_up_again(fresh_url: str) -> None:
    await asyncio.to_thread(upgrade, fresh_url)
    await asyncio.to_thread(upgrade_sandbox, fresh_url)
    store, sandbox = alembic_config(fresh_url), alembic_config(fresh_url, SANDBOX_MIGRATIONS)
    await asyncio.to_thread(command.downgrade, store, "0003")
    await asyncio.to_thread(command.downgrade, sandbox, "s0001")
    assert await _revision(fresh_url) == "0003"
    await asyncio.to_thread(upgrade, fresh_url)
    await asyncio.to_thread(upgrade_sandbox, fresh_url)
    assert await _revision(fresh_url) == HEAD


async def shelve_two_products(url: str) -> None:
    """A keyboard with 5 units (product 1) and a sold-out mouse (product 2), written in SQL."""
    await run_sql(
        url,
        "INSERT INTO categories (id, name) VALUES (1, 'Electronics')",
        "INSERT INTO products (id, name, description, category_id, price_cents, stock) VALUES "
        "(1, 'Mechanical Keyboard', 'Clicky keys', 1, 8999, 5), "
        "(2, 'Sold-out Mouse', 'Gone', 1, 1299, 0)",
    )


@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_products_on_the_shelf_before_movements_begin_get_one_movement_of_their_stock(
    fresh_url: str,
) -> None:
    await asyncio.to_thread(upgrade, fresh_url, "0007")
    await shelve_two_products(fresh_url)

    await asyncio.to_thread(upgrade, fresh_url, "0009")

    [rows] = await run_sql(
        fresh_url, "SELECT product_id, type, quantity, order_id FROM stock_movements"
    )
    assert [tuple(row) for row in rows] == [(1, "adjust", 5, None)]  # nothing moved for 0 units


@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_in_stock_follows_the_stock_from_the_upgrade_on_whatever_writes_it(
    fresh_url: str,
) -> None:
    await asyncio.to_thread(upgrade, fresh_url, "0013")
    await shelve_two_products(fresh_url)
    [[(changes_before,)]] = await run_sql(fresh_url, "SELECT count(*) FROM catalog_changes")

    await asyncio.to_thread(upgrade, fresh_url)

    def flags(rows: list[Any]) -> dict[int, bool]:
        return {product_id: bool(flag) for product_id, flag in rows}

    listed = "SELECT id, in_stock FROM products ORDER BY id"
    [rows, [(changes_after,)]] = await run_sql(
        fresh_url, listed, "SELECT count(*) FROM catalog_changes"
    )
    assert flags(rows) == {1: True, 2: False}
    assert changes_after == changes_before  # filling the new column changed no product
    *_, rows = await run_sql(
        fresh_url,
        # An insert that leaves the flag to its default, and one that gives it wrong.
        "INSERT INTO products (id, name, description, category_id, price_cents, stock) VALUES "
        "(3, 'Desk Lamp', 'Bright', 1, 2599, 2)",
        "INSERT INTO products (id, name, description, category_id, price_cents, stock, in_stock)"
        " VALUES (4, 'Cable', 'Long', 1, 599, 0, true)",
        "UPDATE products SET stock = stock - 5 WHERE id = 1",  # sold out
        "UPDATE products SET stock = 3 WHERE id = 2",  # back in stock
        "UPDATE products SET stock = 1 WHERE id = 3",  # still in stock
        listed,
    )
    assert flags(rows) == {1: False, 2: True, 3: True, 4: False}
    *_, rows = await run_sql(fresh_url, "UPDATE products SET in_stock = false", listed)
    assert flags(rows) == {1: False, 2: True, 3: True, 4: False}  # the flag is not set apart


async def test_a_sale_on_postgresql_rewrites_its_product_within_its_page(
    tmp_path: Path, postgres_url: str
) -> None:
    url = await empty_database(postgres_url, tmp_path)
    await asyncio.to_thread(upgrade, url)
    await run_sql(
        url,
        "INSERT INTO categories (id, name) VALUES (1, 'Electronics')",
        "INSERT INTO products (id, name, description, category_id, price_cents, stock) "
        "SELECT n, 'Product ' || n, repeat('A fine thing. ', 20), 1, 1000 + n, 50 "
        "FROM generate_series(1, 400) AS n",
    )
    # Where every twentieth product's row is: (id, page).
    pages = "SELECT id, (ctid::text::point)[0] FROM products WHERE id % 20 = 0 ORDER BY id"
    [before] = await run_sql(url, pages)
    for _ in range(3):  # three sales of each, one after the other
        await run_sql(url, "UPDATE products SET stock = stock - 1 WHERE id % 20 = 0")
    [after] = await run_sql(url, pages)
    assert len(before) == 20
    assert after == before  # no index needed a new entry for the new versions
