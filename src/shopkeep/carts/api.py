"""Cart endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from shopkeep.carts import service
from shopkeep.carts.schemas import (
    AddItem,
    CartCreated,
    CartLine,
    CartOut,
    ItemRemoved,
    SetQuantity,
)
from shopkeep.errors import error_responses
from shopkeep.http import JSON
from shopkeep.pricing import service as pricing
from shopkeep.store.deps import DatabaseDep, IdInPath

router = APIRouter(prefix="/cart", tags=["cart"])


@router.post("", response_model=CartCreated)
async def create_cart(database: DatabaseDep) -> Response:
    return JSON({"cart_id": await database.write(service.create_cart)})


@router.get("/{cart_id}", response_model=CartOut, responses=error_responses(404))
async def get_cart(
    database: DatabaseDep,
    cart_id: str,
    shipping_method: Annotated[str | None, Query(max_length=40)] = None,
    discount_code: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The cart at today's prices. With `shipping_method` or `discount_code` (either may be
    empty), a preview of checkout: `subtotal`, `discount`, `shipping`, and `total` to pay; a
    code or method that cannot be used is left out, with a sentence in `discount_error` or
    `shipping_error`."""
    if shipping_method is None and discount_code is None:
        return JSON(await database.read(service.get_cart, cart_id))
    return JSON(await database.read(pricing.preview_cart, cart_id, shipping_method, discount_code))


@router.post("/{cart_id}/items", response_model=CartLine, responses=error_responses(400, 404))
async def add_item(database: DatabaseDep, cart_id: str, item: AddItem) -> Response:
    return JSON(await database.write(service.add_item, cart_id, item.product_id, item.quantity))


@router.patch(
    "/{cart_id}/items/{product_id}", response_model=CartOut, responses=error_responses(400, 404)
)
async def set_quantity(
    database: DatabaseDep, cart_id: str, product_id: IdInPath, change: SetQuantity
) -> Response:
    return JSON(await database.write(service.set_quantity, cart_id, product_id, change.quantity))


@router.delete(
    "/{cart_id}/items/{product_id}", response_model=ItemRemoved, responses=error_responses(404)
)
async def remove_item(database: DatabaseDep, cart_id: str, product_id: IdInPath) -> Response:
    return JSON(await database.write(service.remove_item, cart_id, product_id))


@router.delete("/{cart_id}", status_code=204, responses=error_responses(404))
async def delete_cart(database: DatabaseDep, cart_id: str) -> Response:
    await database.write(service.delete_cart, cart_id)
    return Response(status_code=204)
