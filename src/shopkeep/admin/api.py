"""The back office's JSON API under `/admin` on the store: every endpoint takes a staff bearer
token (`POST /admin/auth/token`); the pages at `/admin` on the storefront call the same
services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from shopkeep import upkeep
from shopkeep.admin import dashboard, export, orders
from shopkeep.admin.schemas import (
    CancelOut,
    Dashboard,
    NoteIn,
    OrderFilters,
    OrderPage,
    OrderQuery,
    RefundIn,
    RefundOut,
    ShipmentIn,
    ShipmentOut,
    StaffEventOut,
    StaffOrder,
)
from shopkeep.deps import DatabaseDep
from shopkeep.errors import BadRequest, error_responses
from shopkeep.fulfilment import cancel
from shopkeep.fulfilment import service as fulfilment
from shopkeep.http import JSON
from shopkeep.money import to_cents
from shopkeep.refunds import service as refunds
from shopkeep.staff.deps import CurrentStaff, staff_router

router = staff_router()


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


# Acting on an order: the staff member named by the token is the actor on its history.

KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"


def kick(request: Request, *workers: str) -> None:
    upkeep.kick(request.app, *workers)


@router.post(
    "/orders/{order_id}/shipments",
    status_code=201,
    response_model=ShipmentOut,
    responses=error_responses(400, 404),
)
async def add_shipment(
    request: Request, database: DatabaseDep, staff: CurrentStaff, order_id: str, body: ShipmentIn
) -> Response:
    """Ship some (`lines`) or all of a paid order's remaining units with the carrier's
    tracking; the customer is emailed. Never more units than remain: a concurrent shipment of
    the same units is refused."""
    shipped = await database.write(
        fulfilment.add_shipment, order_id, body.units(), body.tracking(), actor=staff.username
    )
    kick(request, "mail")
    return JSON(shipped, status_code=201)


@router.post(
    "/orders/{order_id}/shipments/{shipment_id}/delivered",
    response_model=ShipmentOut,
    responses=error_responses(400, 404),
)
async def mark_delivered(
    database: DatabaseDep, staff: CurrentStaff, order_id: str, shipment_id: int
) -> Response:
    return JSON(
        await database.write(fulfilment.mark_delivered, order_id, shipment_id, actor=staff.username)
    )


@router.post(
    "/orders/{order_id}/cancel", response_model=CancelOut, responses=error_responses(400, 404)
)
async def cancel_order(
    request: Request, database: DatabaseDep, staff: CurrentStaff, order_id: str
) -> Response:
    """Cancel an order while nothing of it has shipped: its units go back on the shelf; a
    pending order's open payment is cancelled, a paid order's payment refunded in full; the
    customer is emailed."""
    done = await database.write(cancel.cancel_order, order_id, actor=staff.username)
    kick(request, "refund_jobs", "cancellation_jobs", "mail")
    return JSON(done)


@router.post(
    "/orders/{order_id}/refunds",
    status_code=201,
    response_model=RefundOut,
    responses=error_responses(400, 404),
)
async def refund_order(
    request: Request,
    database: DatabaseDep,
    staff: CurrentStaff,
    order_id: str,
    body: RefundIn,
    idempotency_key: Annotated[str, Header(pattern=KEY_PATTERN)],
) -> Response:
    """Refund an amount, or units of lines (put back in stock unless `restock` is false),
    of a paid order; at most what is left (charged - refunded). One refund per
    `Idempotency-Key`: the same key again answers the first refund and refunds nothing more."""
    try:
        amount_cents = None if body.amount is None else to_cents(body.amount)
    except ValueError as error:
        raise BadRequest(f"amount: {error}") from error
    refund = await database.write(
        refunds.refund_order,
        order_id,
        idempotency_key,
        amount_cents=amount_cents,
        lines=body.units(),
        reason=body.reason,
        actor=staff.username,
        shipping=body.shipping,
    )
    kick(request, "refund_jobs")
    return JSON(refund, status_code=201)


@router.post(
    "/orders/{order_id}/refunds/{refund_id}/retry",
    response_model=RefundOut,
    responses=error_responses(400, 404),
)
async def retry_refund(
    request: Request, database: DatabaseDep, order_id: str, refund_id: int
) -> Response:
    """Ask the provider again, now, for a refund that failed."""
    refund = await database.write(refunds.retry_refund, order_id, refund_id)
    kick(request, "refund_jobs")
    return JSON(refund)


@router.post(
    "/orders/{order_id}/notes",
    status_code=201,
    response_model=StaffEventOut,
    responses=error_responses(404),
)
async def add_note(
    database: DatabaseDep, staff: CurrentStaff, order_id: str, body: NoteIn
) -> Response:
    """An internal note on the order's history, never shown to the customer."""
    note = await database.write(orders.add_note, order_id, body.text, actor=staff.username)
    return JSON(note, status_code=201)
