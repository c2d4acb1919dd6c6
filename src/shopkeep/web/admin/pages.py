"""The back office at `/admin`: log-in, the dashboard, orders (filters, pages, CSV) and one
order. A staff session is a cookie of its own, scoped to `/admin` (see `sessions`): a seller's
session never opens these pages."""

from __future__ import annotations

from typing import Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import ValidationError

from shopkeep.admin import dashboard as figures
from shopkeep.admin import export, orders
from shopkeep.admin.orders import OrderFilter
from shopkeep.admin.schemas import FulfilmentStatus, OrderFilters, PaymentStatus
from shopkeep.web.admin import actions
from shopkeep.web.admin.visit import HOME, STATUS_WORDS, STATUSES, StaffVisit
from shopkeep.web.deps import CheckedForm
from shopkeep.web.portal import page_asked, paging

router = APIRouter()

PAGE_SIZE = 20
PAYMENT_STATUSES = [
    (value, value.replace("_", " ").capitalize()) for value in get_args(PaymentStatus)
]
FULFILMENT_STATUSES = [
    (value, value.replace("_", " ").capitalize()) for value in get_args(FulfilmentStatus)
]
FILTER_FIELDS = (
    "status",
    "payment_status",
    "fulfilment_status",
    "q",
    "created_from",
    "created_to",
)


def read_filters(query: dict[str, str]) -> tuple[OrderFilter, dict[str, str], dict[str, str]]:
    """The orders page's filters as typed: the filter, the values to show again, and what is
    wrong, by field, by the API's own rules (then the filter is not to be used)."""
    values = {name: query.get(name, "").strip() for name in FILTER_FIELDS}
    try:
        parsed = OrderFilters.model_validate({k: v for k, v in values.items() if v})
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "created_to"
            errors.setdefault(name, _filter_message(name))
        return OrderFilter(), values, errors
    return parsed.order_filter(), values, {}


def _filter_message(name: str) -> str:
    if name in ("status", "payment_status", "fulfilment_status"):
        return "Choose one of the statuses."
    if name == "q":
        return "Search with at most 200 characters."
    if name == "created_to":
        return "Enter a day like 2026-12-31, not before the first day."
    return "Enter a day like 2026-12-01."


def _query_string(values: dict[str, str]) -> str:
    return urlencode({k: v for k, v in values.items() if v})


@router.get("/admin", response_class=HTMLResponse)
async def dashboard(visit: StaffVisit) -> Response:
    if visit.account is None:
        return await visit.log_in_page()
    shown = await visit.database.read(figures.dashboard)
    return visit.page("admin/dashboard.html", {"figures": shown}, badge=await visit.badge())


@router.get("/admin/login", response_class=HTMLResponse)
async def log_in_page(visit: StaffVisit) -> Response:
    return await visit.log_in_form()


@router.post("/admin/login")
async def log_in(visit: StaffVisit, form: CheckedForm) -> Response:
    return await visit.log_in(form)


@router.post("/admin/logout")
async def log_out(visit: StaffVisit, form: CheckedForm) -> Response:
    return visit.log_out()


@router.get("/admin/orders", response_class=HTMLResponse)
async def order_list(visit: StaffVisit) -> Response:
    visit.logged_in()
    found, values, errors = read_filters(dict(visit.request.query_params))
    page = page_asked(visit.request)
    listed: dict[str, Any] = {"total": 0, "orders": []}
    if not errors:
        listed = await visit.database.read(
            orders.search_orders, found, page=page, page_size=PAGE_SIZE
        )
    query = _query_string(values)
    return visit.page(
        "admin/orders.html",
        {
            "listed": listed,
            "paging": paging(listed["total"], page, PAGE_SIZE),
            "values": values,
            "errors": errors,
            "focus": next((name for name in FILTER_FIELDS if name in errors), ""),
            "statuses": [(status, STATUS_WORDS[status]) for status in STATUSES],
            "payment_statuses": PAYMENT_STATUSES,
            "fulfilment_statuses": FULFILMENT_STATUSES,
            "status_words": STATUS_WORDS,
            "list_base": f"{HOME}/orders?{query + '&' if query else ''}",
            "csv_href": f"{HOME}/orders.csv{'?' + query if query else ''}",
        },
        badge=await visit.badge(),
        status=400 if errors else 200,
    )


@router.get("/admin/orders.csv")
async def order_export(visit: StaffVisit) -> Response:
    visit.logged_in()
    found, _, errors = read_filters(dict(visit.request.query_params))
    if errors:
        return await order_list(visit)
    return StreamingResponse(
        export.orders_csv(visit.database, found),
        media_type=export.MEDIA_TYPE,
        headers=export.download_headers(found),
    )


@router.get("/admin/orders/{order_id}", response_class=HTMLResponse)
async def order_page(visit: StaffVisit, order_id: str) -> Response:
    visit.logged_in()
    return await actions.order_page(visit, order_id)


router.include_router(actions.router)
