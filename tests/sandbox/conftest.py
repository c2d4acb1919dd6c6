"""The store and the payment sandbox in one test process (see `tests.inprocess`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.sandbox.app import store_client
from shopkeep.sandbox.outbox import Courier
from tests.inprocess import SANDBOX, STORE, client, wired_apps, wired_settings

__all__ = ["SANDBOX", "STORE", "InProcessShop"]


@dataclass
class InProcessShop:
    store: httpx.AsyncClient
    sandbox: httpx.AsyncClient
    courier: Courier
    store_app: FastAPI


@pytest.fixture
def sandbox_settings(settings: Settings) -> Settings:
    return wired_settings(settings)


@pytest.fixture
async def shop(
    database: Database, sandbox_settings: Settings, sandbox_schema: None
) -> AsyncIterator[InProcessShop]:
    async with (
        wired_apps(sandbox_settings, database) as apps,
        client(apps.store, STORE) as store,
        client(apps.sandbox, SANDBOX) as sandbox,
    ):
        yield InProcessShop(store, sandbox, apps.sandbox.state.courier, apps.store)


@pytest.fixture
async def quiet_shop(
    database: Database, sandbox_settings: Settings, sandbox_schema: None
) -> AsyncIterator[InProcessShop]:
    """The shop without the sandbox's background sender: only the test sends callbacks,
    with `courier` (which reaches the in-process store at its address)."""
    async with (
        wired_apps(sandbox_settings, database, sandbox_sender=False) as apps,
        client(apps.store, STORE) as store,
        client(apps.sandbox, SANDBOX) as sandbox,
        store_client(sandbox_settings, httpx.ASGITransport(app=apps.store)) as to_store,
    ):
        courier = Courier(database, sandbox_settings, to_store)
        yield InProcessShop(store, sandbox, courier, apps.store)
