"""Typed dependencies shared by the store's routers.

They are `async`: FastAPI runs a plain `def` dependency in a worker thread, a hop per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from shopkeep.config import Settings
from shopkeep.db import MAX_ID, MIN_ID, Database
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
PaymentsDep = Annotated[PaymentsClient, Depends(get_payments)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

# A path id outside the database's range is refused (422); any other unknown id is simply not
# found (404).
IdInPath = Annotated[int, Path(ge=MIN_ID, le=MAX_ID)]
