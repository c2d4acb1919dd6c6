"""What the store and the storefront hold while they run: the database, the payment client,
the periodic upkeep every process may do (idempotent), and the workers of the background
jobs: the mail sender, and refunds and payment cancellations asked of the provider."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from shopkeep import jobs, telemetry
from shopkeep.accounts.service import forget_old_login_attempts
from shopkeep.catalog import index as catalog_index
from shopkeep.catalog.version import close_probe
from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.mail.sender import MailSender
from shopkeep.mail.service import OUTBOX
from shopkeep.orders.service import expire_orders
from shopkeep.payments.cancellations import CANCELLATIONS, cancellation_work
from shopkeep.payments.client import PaymentsClient
from shopkeep.refunds.service import REFUNDS, refund_work

log = logging.getLogger(__name__)

# Calls to the provider are retried until they succeed: never given up.
PROVIDER_CALLS = jobs.Schedule(first_retry_seconds=1.0, max_retry_seconds=60.0)

# The background work `/metrics` counts on the store and the storefront.
OUTBOXES = (
    telemetry.Outbox("mail", OUTBOX, jobs.WAITING),
    telemetry.Outbox("refunds", REFUNDS, jobs.WAITING),
    telemetry.Outbox("payment_cancellations", CANCELLATIONS, jobs.WAITING),
)


def payments_client(settings: Settings, given: PaymentsClient | None) -> PaymentsClient:
    return given or PaymentsClient(settings.payments_url, timeout=settings.callback_timeout_seconds)


def kick(app: FastAPI, *workers: str) -> None:
    """Do the work just committed now rather than at the next poll, in the workers named
    (`mail`, `refund_jobs`, `cancellation_jobs`) that this process runs."""
    for name in workers:
        worker = getattr(app.state, name, None)
        if isinstance(worker, MailSender):
            worker = worker.worker
        if worker is not None:
            worker.kick()


@asynccontextmanager
async def running(
    app: FastAPI, settings: Settings, *, owns_database: bool, owns_payments: bool
) -> AsyncIterator[None]:
    """Open the database unless the app was given one, run the upkeep, and close what the app
    owns when it stops."""
    if owns_database:
        app.state.database = settings.open_database()
    database = app.state.database
    catalog_index.start(database)
    app.state.mail = MailSender(database, settings)
    app.state.refund_jobs = jobs.Worker(
        database, REFUNDS, refund_work(database, app.state.payments), PROVIDER_CALLS
    )
    cancellations = jobs.Worker(
        database, CANCELLATIONS, cancellation_work(app.state.payments), PROVIDER_CALLS
    )
    app.state.cancellation_jobs = cancellations
    workers = [app.state.mail.worker, app.state.refund_jobs, cancellations]
    expiry = asyncio.create_task(keep_up(database, settings, cancellations))
    running_jobs = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        yield
    finally:
        expiry.cancel()  # each expiry is one transaction: cancelled, it is rolled back whole
        await jobs.stop_between_jobs(workers, running_jobs, settings.shutdown_timeout_seconds)
        with contextlib.suppress(asyncio.CancelledError):
            await expiry
        if owns_payments:
            await app.state.payments.aclose()
        await catalog_index.stop(app.state.database)
        if owns_database:
            await close_probe(app.state.database)
            await app.state.database.close()


async def keep_up(database: Database, settings: Settings, cancellations: jobs.Worker) -> None:
    """Expire unpaid orders (and cancel their open payments at once), forget finished log-in
    windows and the catalog's old change rows, every `SHOPKEEP_EXPIRE_INTERVAL_SECONDS`."""
    login_window = timedelta(seconds=settings.login_window_seconds)
    while True:
        await asyncio.sleep(settings.expire_interval_seconds)
        try:
            expired = await database.write(expire_orders)
            if expired:
                log.info("expired %d unpaid orders", expired)
                cancellations.kick()
        except Exception:
            log.exception("expiring unpaid orders failed; will try again")
        try:
            await database.write(forget_old_login_attempts, window=login_window)
        except Exception:
            log.exception("forgetting old log-in attempts failed; will try again")
        try:
            await database.write(catalog_index.prune_changes)
        except Exception:
            log.exception("pruning the catalog's change log failed; will try again")
