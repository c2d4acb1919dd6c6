"""Checkout and order endpoints."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from shopkeep.errors import ShopError, error_responses
from shopkeep.http import JSON, shop_error_response
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
    if body is None:  # seldom here: see BodylessCheckout
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


_CHECKOUT_ROUTE = next(
    route for route in router.routes if isinstance(route, APIRoute) and route.endpoint is checkout
)
_CHECKOUT_PATH = re.compile(r"/cart/([^/]+)/checkout")


class BodylessCheckout:
    """`POST /cart/{id}/checkout` without a body (every seed 001 client), answered in front of
    FastAPI's layers by the same service and with the same answers as `checkout` above.

    Such a request needs nothing of what FastAPI does on the way to the endpoint (its error
    layers, a walk over the routes, solving the dependencies, reading a body), and that costs
    about as much as the checkout's own transaction. A request with a body goes on to FastAPI,
    which validates it. Placed behind the request telemetry, which counts it under its route.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None
        if scope["type"] == "http" and scope["method"] == "POST" and not _has_body(scope):
            found = _CHECKOUT_PATH.fullmatch(scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = _CHECKOUT_ROUTE
        state = scope["app"].state
        ttl = timedelta(minutes=state.settings.order_ttl_minutes)
        try:
            response = JSON(await state.database.write(service.checkout, found[1], ttl))
        except ShopError as error:
            response = shop_error_response(error)
        await response(scope, receive, send)


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if (name == b"content-length" and value.strip() != b"0") or name == b"transfer-encoding":
            return True
    return False
