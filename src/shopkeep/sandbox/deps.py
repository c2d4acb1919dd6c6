"""Typed dependencies of the sandbox's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shopkeep.config import Settings
from shopkeep.deps import DatabaseDep, SettingsDep
from shopkeep.sandbox.outbox import Courier

__all__ = ["CourierDep", "DatabaseDep", "SettingsDep", "callback_url", "checkout_url"]


async def get_courier(request: Request) -> Courier:
    courier: Courier = request.app.state.courier
    return courier


CourierDep = Annotated[Courier, Depends(get_courier)]


def callback_url(settings: Settings) -> str:
    return settings.store_url.rstrip("/") + "/payments/confirm"


def checkout_url(request: Request, payment_id: str) -> str:
    return str(request.url_for("hosted_page", payment_id=payment_id))
