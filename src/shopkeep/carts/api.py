"""Cart endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Response

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
from shopkeep.store.deps import DatabaseDep, IdInPath

router = APIRouter(prefix="/cart", tags=["cart"])


@router.post("", response_model=CartCreated)
async def create_cart(database: DatabaseDep) -> Response:
    return JSON({"cart_id": await database.write(service.create_cart)})


@router.get("/{cart_id}", response_model=CartOut, responses=error_responses(404))
async def get_cart(database: DatabaseDep, cart_id: str) -> Response:
    return JSON(await database.read(service.get_cart, cart_id))


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
