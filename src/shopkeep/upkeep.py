"""What the store and the storefront hold while they run: the database, the payment client,
and the periodic upkeep every process may do (both jobs are idempotent)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from shopkeep.catalog import index as catalog_index
from shopkeep.catalog.version import close_probe
from shopkeep.config import Settings
from shopkeep.db import Database, create_database
from shopkeep.orders.service import expire_orders
from shopkeep.payments.client import PaymentsClient
from shopkeep.sellers.service import forget_old_login_attempts

log = logging.getLogger(__name__)


def payments_client(settings: Settings, given: PaymentsClient | None) -> PaymentsClient:
    return given or PaymentsClient(settings.payments_url, timeout=settings.callback_timeout_seconds)


@asynccontextmanager
async def running(
    app: FastAPI, settings: Settings, *, owns_database: bool, owns_payments: bool
) -> AsyncIterator[None]:
    """Open the database unless the app was given one, run the upkeep, and close what the app
    owns when it stops."""
    if owns_database:
        app.state.database = create_database(
            settings.resolved_database_url, sqlite_synchronous=settings.sqlite_synchronous
        )
    catalog_index.start(app.state.database)
    upkeep = asyncio.create_task(keep_up(app.state.database, settings))
    try:
        yield
    finally:
        upkeep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await upkeep
        if owns_payments:
            await app.state.payments.aclose()
        await catalog_index.stop(app.state.database)
        if owns_database:
            await close_probe(app.state.database)
            await app.state.database.close()


async def keep_up(database: Database, settings: Settings) -> None:
    """Expire unpaid orders and forget finished log-in windows, every
    `SHOPKEEP_EXPIRE_INTERVAL_SECONDS`."""
    login_window = timedelta(seconds=settings.login_window_seconds)
    while True:
        await asyncio.sleep(settings.expire_interval_seconds)
        try:
            expired = await database.write(expire_orders)
            if expired:
                log.info("expired %d unpaid orders", expired)
        except Exception:
            log.exception("expiring unpaid orders failed; will try again")
        try:
            await database.write(forget_old_login_attempts, window=login_window)
        except Exception:
            log.exception("forgetting old log-in attempts failed; will try again")
