"""Typed dependencies of the storefront's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shopkeep.config import Settings
from shopkeep.deps import DatabaseDep, PaymentsDep, SettingsDep
from shopkeep.web import csrf
from shopkeep.web.forms import read_form
from shopkeep.web.pages import Renderer

__all__ = ["CheckedForm", "DatabaseDep", "PaymentsDep", "RendererDep", "SettingsDep"]


async def get_renderer(request: Request) -> Renderer:
    renderer: Renderer = request.app.state.renderer
    return renderer


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form, once its CSRF token has been checked (403 otherwise)."""
    form = await read_form(request)
    settings: Settings = request.app.state.settings
    csrf.check(request, settings.resolved_session_secret, form.get(csrf.FIELD))
    return form


RendererDep = Annotated[Renderer, Depends(get_renderer)]
CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
