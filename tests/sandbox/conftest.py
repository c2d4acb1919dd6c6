"""The store and the payment sandbox in one test process, each calling the other over
in-process HTTP (httpx's ASGI transport): the same code paths as between real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.migrate import upgrade_sandbox
from shopkeep.payments.client import PaymentsClient
from shopkeep.sandbox.app import create_app as create_sandbox
from shopkeep.sandbox.outbox import Courier
from shopkeep.store.app import create_app as create_store

SANDBOX = "http://sandbox.test"
STORE = "http://store.test"


@dataclass
class InProcessShop:
    store: httpx.AsyncClient
    sandbox: httpx.AsyncClient
    courier: Courier


@pytest.fixture(scope="session")
def sandbox_schema(database_url: str) -> None:
    """The sandbox's tables, beside the store's in the test database (they share no names)."""
    upgrade_sandbox(database_url)


@pytest.fixture
def sandbox_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"store_url": STORE, "payments_url": SANDBOX, "merchant_name": "Test Shop"}
    )


@pytest.fixture
async def shop(
    database: Database, sandbox_settings: Settings, sandbox_schema: None
) -> AsyncIterator[InProcessShop]:
    sandbox_app = None

    async def sandbox_asgi(scope: Scope, receive: Receive, send: Send) -> None:
        assert sandbox_app is not None
        await sandbox_app(scope, receive, send)

    payments = PaymentsClient(SANDBOX, transport=httpx.ASGITransport(app=sandbox_asgi))
    store_app = create_store(sandbox_settings, database, payments=payments)
    sandbox_app = create_sandbox(
        sandbox_settings, database, store_transport=httpx.ASGITransport(app=store_app)
    )
    async with (
        sandbox_app.router.lifespan_context(sandbox_app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=store_app), base_url=STORE) as store,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=sandbox_app), base_url=SANDBOX
        ) as sandbox,
    ):
        yield InProcessShop(store, sandbox, sandbox_app.state.courier)
    await payments.aclose()
