"""Typed dependencies of the storefront's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.web import csrf
from shopkeep.web.forms import read_form
from shopkeep.web.pages import Renderer


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_renderer(request: Request) -> Renderer:
    renderer: Renderer = request.app.state.renderer
    return renderer


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form, once its CSRF token has been checked (403 otherwise)."""
    form = await read_form(request)
    settings: Settings = request.app.state.settings
    csrf.check(request, settings.resolved_session_secret, form.get(csrf.FIELD))
    return form


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
RendererDep = Annotated[Renderer, Depends(get_renderer)]
CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
