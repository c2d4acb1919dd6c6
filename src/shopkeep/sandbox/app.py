"""The payment sandbox application, on port 5000."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

import httpx
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Table

from shopkeep import __version__, telemetry
from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.http import App, BodySizeLimit, install_error_handlers
from shopkeep.jobs import stop_between_jobs
from shopkeep.migrate import SANDBOX_MIGRATIONS
from shopkeep.sandbox.api import router as api_router
from shopkeep.sandbox.models import PENDING, Callback
from shopkeep.sandbox.outbox import Courier
from shopkeep.sandbox.pages import PaymentLinkNotFound, link_not_found
from shopkeep.sandbox.pages import router as pages_router


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    store_transport: httpx.AsyncBaseTransport | None = None,
) -> App:
    """Build the sandbox. Tests pass their own `database` (and may route callbacks for the
    store's address to an in-process store with `store_transport`); otherwise the sandbox's
    own database is opened from `settings` at startup."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Refuse to start without a usable secret, rather than fail every callback.
        settings.resolved_webhook_secret  # noqa: B018
        owned = database is None
        if owned:
            app.state.database = settings.open_database(settings.resolved_sandbox_database_url)
        client = None
        if store_transport is not None:
            client = store_client(settings, store_transport)
        courier = Courier(app.state.database, settings, client)
        app.state.courier = courier
        # Callbacks still owed from before a restart go out as soon as the sandbox is up.
        sender = asyncio.create_task(courier.run())
        try:
            yield
        finally:
            # Deliveries under way finish (within the timeout); no new one starts.
            await stop_between_jobs([courier], [sender], settings.shutdown_timeout_seconds)
            await courier.aclose()
            if client is not None:
                await client.aclose()
            if owned:
                await app.state.database.close()

    app = App(
        title="Shopkeep payment sandbox",
        version=__version__,
        description=(
            "A stand-in payment provider: payments, a hosted card page, test cards, and signed "
            "callbacks to the store, kept in an outbox and retried until acknowledged."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    if database is not None:
        app.state.database = database
    install_error_handlers(app)
    app.add_exception_handler(PaymentLinkNotFound, link_not_found)
    app.add_middleware(BodySizeLimit)
    telemetry.install(
        app,
        "payments",
        outboxes=(telemetry.Outbox("sandbox_callbacks", cast(Table, Callback.__table__), PENDING),),
        migrations=SANDBOX_MIGRATIONS,
        version_table="sandbox_alembic_version",
        access_log=settings.access_log,
    )
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(api_router)
    app.include_router(pages_router)
    return app


def store_client(settings: Settings, transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    """A client that reaches the store's address (`SHOPKEEP_STORE_URL`) through `transport`,
    and every other address over the network."""
    store = httpx.URL(settings.store_url)
    return httpx.AsyncClient(
        mounts={f"{store.scheme}://{store.netloc.decode()}": transport},
        timeout=settings.callback_timeout_seconds,
    )
