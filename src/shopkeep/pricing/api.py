"""Shipping methods for shoppers (`GET /shipping-methods`), and the back office's shipping
methods and discount codes under `/admin` (staff bearer token)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from shopkeep.deps import DatabaseDep
from shopkeep.errors import BadRequest, error_responses
from shopkeep.http import JSON
from shopkeep.pricing import service
from shopkeep.pricing.schemas import (
    DiscountCodeChanges,
    DiscountCodeDetail,
    DiscountCodeIn,
    DiscountCodeOut,
    ShippingMethodChanges,
    ShippingMethodIn,
    ShippingMethodOut,
    ShippingMethodPublic,
)
from shopkeep.staff.deps import current_staff

router = APIRouter(tags=["shipping"])


@router.get("/shipping-methods", response_model=list[ShippingMethodPublic])
async def shipping_methods(database: DatabaseDep) -> Response:
    """The methods a shopper can choose at checkout, in their order of display. `free_from`:
    the method is free from this subtotal (after any discount)."""
    return JSON(await database.read(service.public_methods))


admin_router = APIRouter(
    prefix="/admin",
    tags=["back office"],
    dependencies=[Depends(current_staff)],
    responses=error_responses(401),
)


def _columns(changes: ShippingMethodChanges | DiscountCodeChanges) -> dict[str, object]:
    try:
        return changes.columns()
    except ValueError as error:
        raise BadRequest(str(error)) from error


@admin_router.get("/shipping-methods", response_model=list[ShippingMethodOut])
async def list_methods(database: DatabaseDep) -> Response:
    """Every shipping method, active or not, in their order of display."""
    return JSON(await database.read(service.list_methods))


@admin_router.post(
    "/shipping-methods",
    status_code=201,
    response_model=ShippingMethodOut,
    responses=error_responses(409),
)
async def create_method(database: DatabaseDep, body: ShippingMethodIn) -> Response:
    return JSON(await database.write(service.create_method, body.columns()), status_code=201)


@admin_router.get(
    "/shipping-methods/{code}", response_model=ShippingMethodOut, responses=error_responses(404)
)
async def get_method(database: DatabaseDep, code: str) -> Response:
    return JSON(await database.read(service.get_method, code))


@admin_router.patch(
    "/shipping-methods/{code}",
    response_model=ShippingMethodOut,
    responses=error_responses(400, 404),
)
async def change_method(database: DatabaseDep, code: str, body: ShippingMethodChanges) -> Response:
    """Change the fields given. Orders already placed keep the price they were placed with."""
    return JSON(await database.write(service.change_method, code, _columns(body)))


@admin_router.delete("/shipping-methods/{code}", status_code=204, responses=error_responses(404))
async def delete_method(database: DatabaseDep, code: str) -> Response:
    await database.write(service.delete_method, code)
    return Response(status_code=204)


@admin_router.get("/discount-codes", response_model=list[DiscountCodeOut])
async def list_codes(database: DatabaseDep) -> Response:
    """Every code, by code, with its `uses` (orders waiting for payment or paid)."""
    return JSON(await database.read(service.list_codes))


@admin_router.post(
    "/discount-codes",
    status_code=201,
    response_model=DiscountCodeDetail,
    responses=error_responses(400, 409),
)
async def create_code(database: DatabaseDep, body: DiscountCodeIn) -> Response:
    """A new code; codes are unique whatever their case (kept in upper case)."""
    return JSON(await database.write(service.create_code, body.columns()), status_code=201)


@admin_router.get(
    "/discount-codes/{code}", response_model=DiscountCodeDetail, responses=error_responses(404)
)
async def get_code(database: DatabaseDep, code: str) -> Response:
    """The code with the orders that used it, newest first (uses given back included)."""
    return JSON(await database.read(service.get_code, code))


@admin_router.patch(
    "/discount-codes/{code}",
    response_model=DiscountCodeDetail,
    responses=error_responses(400, 404),
)
async def change_code(database: DatabaseDep, code: str, body: DiscountCodeChanges) -> Response:
    """Change the fields given; orders already placed keep their discount."""
    return JSON(await database.write(service.change_code, code, _columns(body)))


@admin_router.delete("/discount-codes/{code}", status_code=204, responses=error_responses(400, 404))
async def delete_code(database: DatabaseDep, code: str) -> Response:
    """Delete a code no order used (a used one stays: set it inactive)."""
    await database.write(service.delete_code, code)
    return Response(status_code=204)
