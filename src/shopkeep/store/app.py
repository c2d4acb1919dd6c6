"""The store application: the JSON API on port 8000."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from shopkeep import __version__
from shopkeep.carts.api import router as carts_router
from shopkeep.catalog.api import router as catalog_router
from shopkeep.config import Settings
from shopkeep.db import Database, create_database
from shopkeep.http import JSON, BodySizeLimit, install_error_handlers
from shopkeep.orders.api import router as orders_router
from shopkeep.orders.service import expire_orders
from shopkeep.payments.api import router as payments_router
from shopkeep.payments.client import PaymentsClient
from shopkeep.sellers.api import router as sellers_router
from shopkeep.sellers.service import forget_old_login_attempts
from shopkeep.store.compat.api import router as compat_router

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    payments: PaymentsClient | None = None,
) -> FastAPI:
    """Build the store app. Tests pass their own `database` (and may pass a `payments` client
    bound to an in-process sandbox); otherwise one is opened from `settings` at startup and
    closed at shutdown."""
    settings = settings or Settings()
    payments_client = payments or PaymentsClient(
        settings.payments_url, timeout=settings.callback_timeout_seconds
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Refuse to start with a placeholder secret, rather than at the first payment or log-in.
        settings.resolved_webhook_secret  # noqa: B018
        settings.resolved_secret_key  # noqa: B018
        owned = database is None
        if owned:
            app.state.database = create_database(
                settings.resolved_database_url, sqlite_synchronous=settings.sqlite_synchronous
            )
        expiry = asyncio.create_task(expire_periodically(app.state.database, settings))
        # Everything loaded so far lives as long as the process: keep the garbage collector
        # from scanning it again and again (its full passes show up as latency spikes).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await expiry
            if payments is None:
                await payments_client.aclose()
            if owned:
                await app.state.database.close()

    app = FastAPI(
        title="Shopkeep store API",
        version=__version__,
        description="Catalog, carts, checkout with stock reservation, orders and payments; "
        "seed 002's API under `/api`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.payments = payments_client
    if database is not None:
        app.state.database = database
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> JSON:
        return JSON({"status": "ok"})

    for router in (
        catalog_router,
        sellers_router,
        carts_router,
        orders_router,
        payments_router,
        compat_router,
    ):
        app.include_router(router)
    return app


async def expire_periodically(database: Database, settings: Settings) -> None:
    """Expire unpaid orders and forget finished log-in windows while the store runs (every
    process may do it: both are idempotent)."""
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
