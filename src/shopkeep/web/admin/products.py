"""The back office's products at `/admin/products`: every product with its stock (low stock
marked), a product's page with the adjust-stock and threshold forms, and its movements. The
forms post and redirect back; a refusal comes back in the form, next to its field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from shopkeep.catalog.service import ProductNotFound
from shopkeep.inventory import products, service
from shopkeep.inventory.schemas import ProductChanges, StockChange
from shopkeep.web.admin.pages import PAGE_SIZE
from shopkeep.web.admin.visit import HOME, StaffVisit
from shopkeep.web.deps import CheckedForm
from shopkeep.web.forms import field_errors, length_problem, parse_id
from shopkeep.web.pages import redirect
from shopkeep.web.portal import first_error, page_asked, paging

router = APIRouter()

STOCK_FIELDS = ("change", "reason")
THRESHOLD_FIELDS = ("low_stock_threshold",)
FORM_FIELDS = (*STOCK_FIELDS, *THRESHOLD_FIELDS)
RECENT_MOVEMENTS = 10
MOVEMENTS_PAGE_SIZE = 50
TYPE_WORDS = {
    "reserve": "Reserved",
    "release": "Released",
    "restock": "Restocked",
    "adjust": "Adjusted",
}


def _product_id(text: str) -> int:
    product_id = parse_id(text)
    if product_id is None:
        raise ProductNotFound()
    return product_id


@router.get("/admin/products", response_class=HTMLResponse)
async def product_list(visit: StaffVisit) -> Response:
    visit.logged_in()
    low_stock = visit.request.query_params.get("low_stock", "") in ("1", "true", "on")
    page = page_asked(visit.request)
    listed = await visit.database.read(
        products.list_products, low_stock=low_stock, page=page, page_size=PAGE_SIZE
    )
    return visit.page(
        "admin/products.html",
        {
            "listed": listed,
            "low_stock": low_stock,
            "paging": paging(listed["total"], page, PAGE_SIZE),
            "list_base": f"{HOME}/products?{'low_stock=1&' if low_stock else ''}",
        },
        badge=await visit.badge(),
    )


async def _product_page(
    visit: StaffVisit,
    product_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    shown = await visit.database.read(
        products.product_movements, product_id, page_size=RECENT_MOVEMENTS
    )
    errors = errors or {}
    values = {
        "change": "",
        "reason": "",
        "low_stock_threshold": str(shown["product"]["low_stock_threshold"]),
        **(values or {}),
    }
    return visit.page(
        "admin/product.html",
        {
            "shown": shown,
            "values": values,
            "errors": errors,
            "focus": first_error(errors, FORM_FIELDS),
            "type_words": TYPE_WORDS,
        },
        badge=await visit.badge(),
        status=status,
    )


@router.get("/admin/products/{product_id}", response_class=HTMLResponse)
async def product_page(visit: StaffVisit, product_id: str) -> Response:
    visit.logged_in()
    return await _product_page(visit, _product_id(product_id))


@router.get("/admin/products/{product_id}/movements", response_class=HTMLResponse)
async def movements_page(visit: StaffVisit, product_id: str) -> Response:
    visit.logged_in()
    parsed = _product_id(product_id)
    page = page_asked(visit.request)
    shown = await visit.database.read(
        products.product_movements, parsed, page=page, page_size=MOVEMENTS_PAGE_SIZE
    )
    return visit.page(
        "admin/movements.html",
        {
            "shown": shown,
            "type_words": TYPE_WORDS,
            "paging": paging(shown["total"], page, MOVEMENTS_PAGE_SIZE),
            "list_base": f"{HOME}/products/{parsed}/movements?",
        },
        badge=await visit.badge(),
    )


@router.post("/admin/products/{product_id}/stock")
async def adjust_stock(visit: StaffVisit, form: CheckedForm, product_id: str) -> Response:
    staff = visit.logged_in()
    parsed = _product_id(product_id)
    values = {name: form.get(name, "").strip() for name in STOCK_FIELDS}
    try:
        change = StockChange.model_validate(values)
    except ValidationError as error:
        errors = field_errors(error, STOCK_FIELDS, _message, fallback="Check the fields.")
        return await _product_page(visit, parsed, values=values, errors=errors, status=400)
    try:
        saved = await visit.database.write(
            products.adjust_stock, parsed, change.change, change.reason, staff.username
        )
    except (service.BelowZero, service.NoChange, service.AboveMaximum) as refused:
        errors = {"change": refused.detail}
    except service.ReasonMissing as refused:
        errors = {"reason": refused.detail}
    else:
        flash = f"{saved['name']} now has {saved['stock']:,} in stock."
        return redirect(visit.request, f"{HOME}/products/{parsed}", flash=flash)
    return await _product_page(visit, parsed, values=values, errors=errors, status=400)


@router.post("/admin/products/{product_id}/threshold")
async def set_threshold(visit: StaffVisit, form: CheckedForm, product_id: str) -> Response:
    visit.logged_in()
    parsed = _product_id(product_id)
    values = {"low_stock_threshold": form.get("low_stock_threshold", "").strip()}
    try:
        threshold = ProductChanges.model_validate(values).low_stock_threshold
    except ValidationError as error:
        errors = field_errors(error, THRESHOLD_FIELDS, _message, fallback="Check the field.")
        return await _product_page(visit, parsed, values=values, errors=errors, status=400)
    saved = await visit.database.write(products.set_threshold, parsed, threshold)
    flash = f"{saved['name']} now counts as low on stock at {threshold:,} or fewer."
    return redirect(visit.request, f"{HOME}/products/{parsed}", flash=flash)


def _message(name: str, problem: Any) -> str:
    if name == "change":
        return "Enter a whole number of units to add, or below 0 to take away (like -3)."
    if name == "reason":
        return length_problem(problem) or "Say why the stock changes, for the log."
    return f"Enter a whole number from 0 to {products.MAX_THRESHOLD:,}."
