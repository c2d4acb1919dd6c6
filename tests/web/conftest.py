"""The storefront over httpx, on SQLite and PostgreSQL, with a shopper's cookie jar; the store
API and the payment sandbox answer in the same process (see `tests.inprocess`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from shopkeep.config import Settings
from shopkeep.db import Database
from tests.inprocess import SANDBOX, WEB, Apps, client, wired_apps, wired_settings

BASE_URL = WEB


@pytest.fixture
async def apps(database: Database, settings: Settings, sandbox_schema: None) -> AsyncIterator[Apps]:
    async with wired_apps(wired_settings(settings), database) as apps:
        yield apps


@pytest.fixture
async def shop(apps: Apps) -> AsyncIterator[httpx.AsyncClient]:
    """A shopper's browser: keeps cookies, does not follow redirects."""
    async with client(apps.web, WEB) as browser:
        yield browser


@pytest.fixture
async def sandbox(apps: Apps) -> AsyncIterator[httpx.AsyncClient]:
    """The same shopper's browser on the payment provider's site."""
    async with client(apps.sandbox, SANDBOX) as browser:
        yield browser
