"""The store application: the JSON API on port 8000."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shopkeep import __version__, telemetry, upkeep
from shopkeep.admin.api import router as admin_router
from shopkeep.carts.api import router as carts_router
from shopkeep.catalog.api import ProductListFront
from shopkeep.catalog.api import router as catalog_router
from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.http import JSON, App, BodySizeLimit, install_error_handlers
from shopkeep.inventory.api import router as inventory_router
from shopkeep.mail.api import router as mail_router
from shopkeep.migrate import STORE_MIGRATIONS
from shopkeep.orders.api import BodylessCheckout
from shopkeep.orders.api import router as orders_router
from shopkeep.payments.api import router as payments_router
from shopkeep.payments.client import PaymentsClient
from shopkeep.pricing.api import admin_router as pricing_admin_router
from shopkeep.pricing.api import router as pricing_router
from shopkeep.refunds.api import router as refunds_router
from shopkeep.sellers.api import router as sellers_router
from shopkeep.staff.api import router as staff_router
from shopkeep.store.compat.api import router as compat_router
from shopkeep.store.response_cache import CatalogResponseCache


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    payments: PaymentsClient | None = None,
) -> App:
    """Build the store app. Tests pass their own `database` (and may pass a `payments` client
    bound to an in-process sandbox); otherwise one is opened from `settings` at startup and
    closed at shutdown."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Refuse to start with a placeholder secret, rather than at the first payment or log-in.
        settings.resolved_webhook_secret  # noqa: B018
        settings.resolved_secret_key  # noqa: B018
        async with upkeep.running(
            app, settings, owns_database=database is None, owns_payments=payments is None
        ):
            # Everything loaded so far lives as long as the process: keep the garbage
            # collector from scanning it again and again (its full passes show up as latency
            # spikes).
            gc.collect()
            gc.freeze()
            yield

    app = App(
        title="Shopkeep store API",
        version=__version__,
        description="Catalog, carts, checkout with stock reservation, orders and payments; "
        "seed 002's API under `/api`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.payments = upkeep.payments_client(settings, payments)
    if database is not None:
        app.state.database = database
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    # In front of FastAPI's own layers: a kept catalog response is sent before they run.
    app.add_front(ProductListFront)
    app.add_front(CatalogResponseCache, max_bytes=settings.catalog_cache_mb * 1024 * 1024)
    app.add_front(BodylessCheckout)
    telemetry.install(
        app,
        "store",
        outboxes=upkeep.OUTBOXES,
        migrations=STORE_MIGRATIONS,
        version_table="alembic_version",
        access_log=settings.access_log,
    )

    @app.get("/healthz", tags=["health"])
    async def healthz() -> JSON:
        return JSON({"status": "ok"})

    for router in (
        catalog_router,
        sellers_router,
        carts_router,
        orders_router,
        payments_router,
        refunds_router,
        compat_router,
        staff_router,
        admin_router,
        inventory_router,
        mail_router,
        pricing_router,
        pricing_admin_router,
    ):
        app.include_router(router)
    return app
