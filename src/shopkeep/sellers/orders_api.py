"""A seller's orders through the API, with their access token: their part of each paid
order, shipping it, marking it delivered, and their sales."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from shopkeep.admin.api import kick
from shopkeep.admin.schemas import ShipmentIn
from shopkeep.errors import error_responses
from shopkeep.fulfilment import sellers as seller_orders
from shopkeep.http import JSON
from shopkeep.sellers import sales
from shopkeep.sellers.deps import CurrentSeller
from shopkeep.sellers.order_schemas import (
    SalesQuery,
    SalesReport,
    SellerOrder,
    SellerOrderPage,
    SellerOrdersQuery,
    SellerShipment,
)
from shopkeep.store.deps import DatabaseDep, IdInPath

router = APIRouter(prefix="/sellers/me", tags=["sellers"], responses=error_responses(401))


@router.get("/orders", response_model=SellerOrderPage)
async def list_orders(
    database: DatabaseDep, seller: CurrentSeller, query: Annotated[SellerOrdersQuery, Query()]
) -> Response:
    """Your part of each paid order holding your products, newest first: your lines only,
    who it ships to and the note."""
    return JSON(await database.read(seller_orders.list_seller_orders, seller.id, query.query()))


@router.get("/orders/{order_id}", response_model=SellerOrder, responses=error_responses(404))
async def get_order(database: DatabaseDep, seller: CurrentSeller, order_id: str) -> Response:
    """Your part of one paid order (404 for an order holding none of your products)."""
    return JSON(await database.read(seller_orders.get_seller_order, seller.id, order_id))


@router.post(
    "/orders/{order_id}/shipments",
    status_code=201,
    response_model=SellerShipment,
    responses=error_responses(400, 403, 404, 409),
)
async def add_shipment(
    request: Request,
    database: DatabaseDep,
    seller: CurrentSeller,
    order_id: str,
    body: ShipmentIn,
) -> Response:
    """Ship some (`lines`) or all of your remaining units of the order with the carrier's
    tracking; the customer is emailed. Another seller's or the shop's lines: 403; more units
    than remain: 409."""
    shipped = await database.write(
        seller_orders.ship, seller, order_id, body.units(), body.tracking()
    )
    kick(request, "mail")
    return JSON({**shipped, "yours": True}, status_code=201)


@router.post(
    "/orders/{order_id}/shipments/{shipment_id}/delivered",
    response_model=SellerShipment,
    responses=error_responses(400, 403, 404),
)
async def mark_delivered(
    database: DatabaseDep, seller: CurrentSeller, order_id: str, shipment_id: IdInPath
) -> Response:
    """Mark delivered one of your shipments of the order."""
    done = await database.write(seller_orders.mark_delivered, seller, order_id, shipment_id)
    return JSON({**done, "yours": True})


@router.get("/sales", response_model=SalesReport)
async def get_sales(
    database: DatabaseDep, seller: CurrentSeller, query: Annotated[SalesQuery, Query()]
) -> Response:
    """Units and revenue per product of your lines of paid orders placed on those UTC days,
    net of refunds of lines (a refund of an amount names no product and is not taken off)."""
    return JSON(
        await database.read(sales.sales_report, seller.id, query.created_from, query.created_to)
    )
