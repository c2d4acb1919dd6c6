"""Typed dependencies the apps share: the database, settings and payment client they hold.

They are `async`: FastAPI runs a plain `def` dependency in a worker thread, a hop per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.payments.client import PaymentsClient


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_payments(request: Request) -> PaymentsClient:
    payments: PaymentsClient = request.app.state.payments
    return payments


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PaymentsDep = Annotated[PaymentsClient, Depends(get_payments)]
