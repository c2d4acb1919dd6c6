"""The back office's JSON API under `/admin` on the store: every endpoint takes a staff bearer
token (`POST /admin/auth/token`); the pages at `/admin` on the storefront call the same
services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from shopkeep.admin import dashboard, export, orders
from shopkeep.admin.schemas import Dashboard, OrderFilters, OrderPage, OrderQuery, StaffOrder
from shopkeep.deps import DatabaseDep
from shopkeep.errors import error_responses
from shopkeep.http import JSON
from shopkeep.staff.deps import current_staff

router = APIRouter(
    prefix="/admin",
    tags=["back office"],
    dependencies=[Depends(current_staff)],
    responses=error_responses(401),
)


@router.get("/dashboard", response_model=Dashboard)
async def get_dashboard(database: DatabaseDep) -> Response:
    """Paid orders and revenue today and over the last 7 days (UTC days), orders waiting to
    ship, and products at or below their low-stock threshold."""
    return JSON(await database.read(dashboard.dashboard))


@router.get("/orders", response_model=OrderPage)
async def list_orders(database: DatabaseDep, query: Annotated[OrderQuery, Query()]) -> Response:
    """Orders newest first, filtered by status, a search (`q`) and the days they were placed."""
    return JSON(
        await database.read(
            orders.search_orders,
            query.order_filter(),
            page=query.page,
            page_size=query.page_size,
        )
    )


@router.get(
    "/orders.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per order line."}},
)
async def export_orders(
    database: DatabaseDep, query: Annotated[OrderFilters, Query()]
) -> StreamingResponse:
    """The filtered orders as CSV, one row per order line, streamed as it is read;
    spreadsheet-safe (a cell that would be a formula starts with an apostrophe)."""
    found = query.order_filter()
    return StreamingResponse(
        export.orders_csv(database, found),
        media_type=export.MEDIA_TYPE,
        headers=export.download_headers(found),
    )


@router.get("/orders/{order_id}", response_model=StaffOrder, responses=error_responses(404))
async def get_order(database: DatabaseDep, order_id: str) -> Response:
    """The order as its customer sees it, with each line's seller and stock now and the
    payment callbacks received."""
    return JSON(await database.read(orders.order_for_staff, order_id))
