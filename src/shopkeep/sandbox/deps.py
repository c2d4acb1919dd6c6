"""Typed dependencies of the sandbox's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.sandbox.outbox import Courier


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_courier(request: Request) -> Courier:
    courier: Courier = request.app.state.courier
    return courier


SandboxDatabase = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CourierDep = Annotated[Courier, Depends(get_courier)]


def callback_url(settings: Settings) -> str:
    return settings.store_url.rstrip("/") + "/payments/confirm"


def checkout_url(request: Request, payment_id: str) -> str:
    return str(request.url_for("hosted_page", payment_id=payment_id))
