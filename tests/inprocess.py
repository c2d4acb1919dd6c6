"""The storefront, the store API and the payment sandbox in one test process, calling each
other over in-process HTTP (httpx's ASGI transport): the code paths of real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from shopkeep import jobs
from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.payments.client import PaymentsClient
from shopkeep.refunds.service import REFUNDS, refund_work
from shopkeep.sandbox.app import create_app as create_sandbox
from shopkeep.store.app import create_app as create_store
from shopkeep.web.app import create_app as create_web

SANDBOX = "http://sandbox.test"
STORE = "http://store.test"
WEB = "http://shop.test"


@dataclass(frozen=True)
class Apps:
    web: FastAPI
    store: FastAPI
    sandbox: FastAPI


def wired_settings(settings: Settings) -> Settings:
    """`settings` with the apps' in-process addresses."""
    return settings.model_copy(
        update={"store_url": STORE, "payments_url": SANDBOX, "merchant_name": "Test Shop"}
    )


@asynccontextmanager
async def wired_apps(
    settings: Settings, database: Database, *, sandbox_sender: bool = True
) -> AsyncIterator[Apps]:
    """The three apps on one database. With `sandbox_sender` the sandbox runs (its outbox
    sender included); without, nothing sends callbacks in the background."""
    sandbox: FastAPI | None = None

    async def sandbox_asgi(scope: Scope, receive: Receive, send: Send) -> None:
        assert sandbox is not None
        await sandbox(scope, receive, send)

    payments = PaymentsClient(SANDBOX, transport=httpx.ASGITransport(app=sandbox_asgi))
    store = create_store(settings, database, payments=payments)
    web = create_web(settings, database, payments=payments)
    sandbox = create_sandbox(settings, database, store_transport=httpx.ASGITransport(app=store))
    try:
        if sandbox_sender:
            async with sandbox.router.lifespan_context(sandbox):
                yield Apps(web, store, sandbox)
        else:
            yield Apps(web, store, sandbox)
    finally:
        await payments.aclose()


def client(app: FastAPI, base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def refunds_asked_for(apps: Apps, database: Database) -> int:
    """Run the store's refund jobs once (the in-process store runs no background workers)."""
    worker = jobs.Worker(database, REFUNDS, refund_work(database, apps.store.state.payments))
    return await worker.run_due()
