"""The store and the payment sandbox in one test process (see `tests.inprocess`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.sandbox.outbox import Courier
from tests.inprocess import SANDBOX, STORE, client, wired_apps, wired_settings

__all__ = ["SANDBOX", "STORE", "InProcessShop"]


@dataclass
class InProcessShop:
    store: httpx.AsyncClient
    sandbox: httpx.AsyncClient
    courier: Courier


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
        yield InProcessShop(store, sandbox, apps.sandbox.state.courier)
