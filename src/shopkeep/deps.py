"""Typed dependencies every app shares: the database and settings it was built with.

They are `async`: FastAPI runs a plain `def` dependency in a worker thread, a hop per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shopkeep.config import Settings
from shopkeep.db import Database


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
