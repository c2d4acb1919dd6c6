"""Typed dependencies of the sandbox's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from shopkeep.config import Settings
from shopkeep.deps import DatabaseDep, SettingsDep
from shopkeep.errors import BadRequest
from shopkeep.sandbox.outbox import Courier

__all__ = [
    "CourierDep",
    "DatabaseDep",
    "IdempotencyKeyDep",
    "SettingsDep",
    "callback_url",
    "checkout_url",
    "refund_callback_url",
]


async def get_courier(request: Request) -> Courier:
    courier: Courier = request.app.state.courier
    return courier


CourierDep = Annotated[Courier, Depends(get_courier)]


def callback_url(settings: Settings) -> str:
    return settings.store_url.rstrip("/") + "/payments/confirm"


def refund_callback_url(settings: Settings) -> str:
    """Where refunds are reported: beside payment results, under their own path."""
    return settings.store_url.rstrip("/") + "/payments/refunds/confirm"


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Repeat a request under the same key to get its first result; "
            "1 to 255 visible characters.",
        ),
    ] = None,
) -> str | None:
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise BadRequest("Idempotency-Key must be 1 to 255 visible ASCII characters.")
    return key


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]


def checkout_url(request: Request, payment_id: str) -> str:
    return str(request.url_for("hosted_page", payment_id=payment_id))
