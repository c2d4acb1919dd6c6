"""The seller portal's orders and sales: `/sell/orders` (the seller's part of each paid
order), one order with its ship and mark-delivered forms, and `/sell/sales` with its CSV.

The pages call the seller-order services the API calls (`fulfilment.sellers`,
`sellers.sales`): the same ownership checks, the same shipping rule. A refusal shows the
order page again with the sentence next to the form, and nothing changed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from shopkeep.admin.schemas import FIRST_DAY, LAST_DAY
from shopkeep.db import utcnow
from shopkeep.errors import Forbidden, NotFound, ShopError
from shopkeep.fulfilment import sellers as seller_orders
from shopkeep.sellers import sales
from shopkeep.web.admin.actions import read_shipment
from shopkeep.web.deps import CheckedForm
from shopkeep.web.forms import FormError, parse_id
from shopkeep.web.pages import redirect
from shopkeep.web.portal import page_asked, paging
from shopkeep.web.sell import SellerVisit

router = APIRouter()

ORDERS = "/sell/orders"
PAGE_SIZE = 20
STATE_WORDS = {"to_ship": "To ship", "shipped": "Shipped", "all": "All"}
REPORT_DAYS = 30


@router.get(ORDERS, response_class=HTMLResponse)
async def orders_page(visit: SellerVisit) -> Response:
    seller = visit.logged_in()
    asked = visit.request.query_params.get("state")
    state: seller_orders.SellerOrderState = next(
        (s for s in seller_orders.STATES if s == asked), "to_ship"
    )
    page = page_asked(visit.request)
    query = seller_orders.SellerOrderQuery(state=state, page=page, page_size=PAGE_SIZE)
    found = await visit.database.read(seller_orders.list_seller_orders, seller.id, query)
    return visit.page(
        "sell/orders.html",
        {
            "found": found,
            "state": state,
            "state_words": STATE_WORDS,
            "paging": paging(found["total"], page, PAGE_SIZE),
        },
        badge=await visit.badge(),
    )


async def order_page(
    visit: SellerVisit,
    order_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    seller = visit.logged_in()
    order = await visit.database.read(seller_orders.get_seller_order, seller.id, order_id)
    errors = errors or {}
    return visit.page(
        "sell/order.html",
        {
            "order": order,
            "errors": errors,
            "values": values or {},
            "focus": next(iter(errors), ""),
        },
        badge=await visit.badge(),
        status=status,
    )


@router.get(ORDERS + "/{order_id}", response_class=HTMLResponse)
async def one_order_page(visit: SellerVisit, order_id: str) -> Response:
    return await order_page(visit, order_id)


def _kick_mail(visit: SellerVisit) -> None:
    sender = getattr(visit.request.app.state, "mail", None)
    if sender is not None:
        sender.worker.kick()


@router.post(ORDERS + "/{order_id}/shipments")
async def add_shipment(visit: SellerVisit, order_id: str, form: CheckedForm) -> Response:
    seller = visit.logged_in()
    try:
        shipment = read_shipment(form)
        await visit.database.write(
            seller_orders.ship, seller, order_id, shipment.units(), shipment.tracking()
        )
    except (NotFound, Forbidden):
        raise
    except (ShopError, FormError) as error:
        message = error.detail if isinstance(error, ShopError) else str(error)
        status = error.status_code if isinstance(error, ShopError) else 400
        return await order_page(
            visit, order_id, errors={"shipment": message}, values=form, status=status
        )
    _kick_mail(visit)
    return redirect(
        visit.request, f"{ORDERS}/{order_id}", flash="Shipment added; the customer is emailed."
    )


@router.post(ORDERS + "/{order_id}/shipments/{shipment_id}/delivered")
async def mark_delivered(
    visit: SellerVisit, order_id: str, shipment_id: str, form: CheckedForm
) -> Response:
    seller = visit.logged_in()
    parsed = parse_id(shipment_id)
    if parsed is None:
        raise NotFound("Shipment not found")
    try:
        await visit.database.write(seller_orders.mark_delivered, seller, order_id, parsed)
    except (NotFound, Forbidden):
        raise
    except ShopError as error:
        return await order_page(
            visit, order_id, errors={"shipments": error.detail}, status=error.status_code
        )
    return redirect(visit.request, f"{ORDERS}/{order_id}", flash="Marked delivered.")


# Sales


def _day(text: str | None, default: date) -> tuple[date, str | None]:
    if not text:
        return default, None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return default, "Enter a day as YYYY-MM-DD."
    if not FIRST_DAY <= day <= LAST_DAY:
        return default, f"Choose a day between {FIRST_DAY} and {LAST_DAY}."
    return day, None


def report_days(params: Any) -> tuple[date, date, dict[str, str]]:
    """The report's days from the address (the last 30 UTC days unless given), and what was
    wrong with them."""
    today = utcnow().date()
    first, first_problem = _day(params.get("from"), today - timedelta(days=REPORT_DAYS - 1))
    last, last_problem = _day(params.get("to"), today)
    errors = {k: v for k, v in (("from", first_problem), ("to", last_problem)) if v}
    if not errors and first > last:
        errors["to"] = "The last day cannot be before the first."
    return first, last, errors


@router.get("/sell/sales", response_class=HTMLResponse)
async def sales_page(visit: SellerVisit) -> Response:
    seller = visit.logged_in()
    first, last, errors = report_days(visit.request.query_params)
    report = None
    if not errors:
        report = await visit.database.read(sales.sales_report, seller.id, first, last)
    return visit.page(
        "sell/sales.html",
        {
            "report": report,
            "values": {
                "from": visit.request.query_params.get("from", first.isoformat()),
                "to": visit.request.query_params.get("to", last.isoformat()),
            },
            "csv_href": "/sell/sales.csv?" + urlencode({"from": first, "to": last}),
            "errors": errors,
            "focus": next(iter(errors), ""),
        },
        badge=await visit.badge(),
        status=400 if errors else 200,
    )


@router.get("/sell/sales.csv")
async def sales_csv(visit: SellerVisit) -> Response:
    seller = visit.logged_in()
    first, last, errors = report_days(visit.request.query_params)
    if errors:
        raise BadDays(" ".join(errors.values()))
    report = await visit.database.read(sales.sales_report, seller.id, first, last)
    return Response(
        sales.sales_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="sales-{first}-to-{last}.csv"'},
    )


class BadDays(ShopError):
    status_code = 400
