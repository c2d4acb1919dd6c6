"""The storefront over httpx, on SQLite and PostgreSQL, with a shopper's cookie jar."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.web.app import create_app

BASE_URL = "http://shop.test"


@pytest.fixture
async def shop(database: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A shopper's browser: keeps cookies, does not follow redirects."""
    transport = httpx.ASGITransport(app=create_app(settings, database))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client
