"""Checkout and order endpoints."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Response

from shopkeep.errors import error_responses
from shopkeep.http import JSON
from shopkeep.orders import service
from shopkeep.orders.details import CustomerDetails
from shopkeep.orders.schemas import CheckoutOut, OrderOut
from shopkeep.store.deps import DatabaseDep, SettingsDep

router = APIRouter(tags=["orders"])


@router.post(
    "/cart/{cart_id}/checkout", response_model=CheckoutOut, responses=error_responses(400, 404)
)
async def checkout(
    database: DatabaseDep,
    settings: SettingsDep,
    cart_id: str,
    details: Annotated[CustomerDetails | None, Body()] = None,
) -> Response:
    """Reserve the cart's stock and place an order awaiting payment. The body is optional: the
    customer's email, name, shipping address and a note, kept on the order (without it the
    order has no contact details, as in seed 001). Invalid details are a 422 and reserve
    nothing."""
    ttl = timedelta(minutes=settings.order_ttl_minutes)
    return JSON(await database.write(service.checkout, cart_id, ttl, details))


@router.get("/orders/{order_id}", response_model=OrderOut, responses=error_responses(404))
async def get_order(database: DatabaseDep, order_id: str) -> Response:
    return JSON(await database.read(service.get_order, order_id))
