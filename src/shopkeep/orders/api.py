"""Checkout and order endpoints."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Response

from shopkeep.errors import error_responses
from shopkeep.http import JSON
from shopkeep.orders import service
from shopkeep.orders.details import CheckoutBody
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
    body: Annotated[CheckoutBody | None, Body()] = None,
) -> Response:
    """Reserve the cart's stock and place an order awaiting payment, for its `total`. The body
    is optional: the customer's email, name, shipping address and a note, kept on the order
    (without it the order has no contact details, as in seed 001), and optionally a
    `shipping_method` and a `discount_code`. Invalid details are a 422, an unknown method or a
    code that cannot be used a 400 with a sentence; either reserves nothing."""
    ttl = timedelta(minutes=settings.order_ttl_minutes)
    if body is None:
        return JSON(await database.write(service.checkout, cart_id, ttl))
    return JSON(
        await database.write(
            service.checkout,
            cart_id,
            ttl,
            body,
            shipping_method=body.shipping_method,
            discount_code=body.discount_code,
        )
    )


@router.get("/orders/{order_id}", response_model=OrderOut, responses=error_responses(404))
async def get_order(database: DatabaseDep, order_id: str) -> Response:
    return JSON(await database.read(service.get_order, order_id))
