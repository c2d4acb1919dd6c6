"""Fixtures: every database-backed test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from shopkeep.catalog import seed
from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.config import Settings
from shopkeep.db import Database, create_database
from shopkeep.migrate import upgrade, upgrade_sandbox
from shopkeep.pricing import service as pricing
from shopkeep.store.app import create_app
from tests.invariants import assert_movements_balance
from tests.postgres import find_bindir, postgres_server

WEBHOOK_SECRET = "test-webhook-secret-" + "x" * 32
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Missing system parts skip a suite loudly on a laptop and fail it under CI."""
    if IN_CI:
        pytest.fail(f"{reason} (a skip counts as a failure under CI)", pytrace=False)
    print(f"\nSKIPPED SUITE: {reason}", file=sys.stderr)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if url := os.environ.get("SHOPKEEP_TEST_POSTGRES_URL"):
        yield url
        return
    bindir = find_bindir()
    if bindir is None:
        skip_or_fail("PostgreSQL binaries not found under /usr/lib/postgresql (run `make setup`)")
    assert bindir is not None
    with postgres_server(bindir) as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database of each kind (migrated once per session)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'shopkeep.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
async def session_database(database_url: str) -> AsyncIterator[Database]:
    database = create_database(database_url)
    yield database
    await database.close()


async def load_demo_catalog(database: Database) -> None:
    await database.write(seed.reset_store)
    await database.write(seed.ensure_categories)
    await database.write(pricing.ensure_demo_methods)
    await database.write(seed.insert_products, 1, list(DEMO_PRODUCTS))
    await database.write(seed.sync_product_ids)


@pytest.fixture
async def database(session_database: Database) -> AsyncIterator[Database]:
    """The session's database, emptied and loaded with the demo catalog for this test; after
    the test, every product's stock must still be the sum of its movements."""
    await load_demo_catalog(session_database)
    yield session_database
    await assert_movements_balance(session_database)


@pytest.fixture(scope="session")
def sandbox_schema(database_url: str) -> None:
    """The sandbox's tables, beside the store's in the test database (they share no names)."""
    upgrade_sandbox(database_url)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        webhook_secret=WEBHOOK_SECRET,
        order_ttl_minutes=30,
    )


@pytest.fixture
async def client(database: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://store.test") as client:
        yield client
