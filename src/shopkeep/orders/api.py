"""Checkout and order endpoints."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response

from shopkeep.errors import error_responses
from shopkeep.http import JSON
from shopkeep.orders import service
from shopkeep.orders.schemas import CheckoutOut, OrderOut
from shopkeep.store.deps import DatabaseDep, SettingsDep

router = APIRouter(tags=["orders"])


@router.post(
    "/cart/{cart_id}/checkout", response_model=CheckoutOut, responses=error_responses(400, 404)
)
async def checkout(database: DatabaseDep, settings: SettingsDep, cart_id: str) -> Response:
    ttl = timedelta(minutes=settings.order_ttl_minutes)
    return JSON(await database.write(service.checkout, cart_id, ttl))


@router.get("/orders/{order_id}", response_model=OrderOut, responses=error_responses(404))
async def get_order(database: DatabaseDep, order_id: str) -> Response:
    return JSON(await database.read(service.get_order, order_id))
