"""The back office's shipping methods and discount codes (`/admin/shipping-methods`,
`/admin/discount-codes`): lists with a form for a new one, and a page to edit each (a code's
page lists the orders that used it). Forms are validated by the API's own schemas; a refusal
comes back in the form, next to its field."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ValidationError

from shopkeep.errors import ShopError
from shopkeep.pricing import service
from shopkeep.pricing.schemas import (
    DiscountCodeChanges,
    DiscountCodeIn,
    ShippingMethodChanges,
    ShippingMethodIn,
)
from shopkeep.web.admin.visit import HOME, StaffVisit
from shopkeep.web.deps import CheckedForm
from shopkeep.web.forms import field_errors
from shopkeep.web.pages import redirect
from shopkeep.web.portal import first_error

router = APIRouter()

METHODS = f"{HOME}/shipping-methods"
CODES = f"{HOME}/discount-codes"
METHOD_FIELDS = ("code", "name", "price", "free_from", "position", "active")
CODE_FIELDS = (
    "code",
    "kind",
    "value",
    "min_subtotal",
    "starts_at",
    "ends_at",
    "usage_limit",
    "once_per_email",
    "active",
)
CHECKBOXES = ("active", "once_per_email")
MESSAGES = {
    "code": "Use 1 to 40 letters, digits, - or _.",
    "name": "Enter a name of 1 to 200 characters.",
    "price": "Enter an amount like 4.99 (0 for free).",
    "free_from": "Enter an amount like 50.00, or leave it empty for never free.",
    "position": "Enter a whole number from 0; the lowest shows first.",
    "kind": "Choose a percentage or a fixed amount.",
    "value": "Enter a percentage from 1 to 100, or an amount like 5.00.",
    "min_subtotal": "Enter an amount like 30.00, or leave it empty.",
    "starts_at": "Enter a date and time like 2026-12-24T09:00 (UTC), or leave it empty.",
    "ends_at": "Enter a date and time like 2026-12-31T23:59 (UTC), or leave it empty.",
    "usage_limit": "Enter a whole number from 1, or leave it empty for no limit.",
}
# Which field a refusal of the rules belongs to, by the words it starts with.
REFUSAL_FIELDS = (
    ("A percentage", "value"),
    ("A fixed", "value"),
    ("Give the new value", "value"),
    ("ends_at", "ends_at"),
)


def _typed(form: dict[str, str], fields: tuple[str, ...]) -> dict[str, str]:
    return {name: form.get(name, "").strip() for name in fields}


def _body(values: dict[str, str], fields: tuple[str, ...]) -> dict[str, Any]:
    """The form as the API's body: empty fields are null, checkboxes are booleans."""
    body: dict[str, Any] = {}
    for name in fields:
        if name in CHECKBOXES:
            body[name] = bool(values.get(name))
        else:
            body[name] = values.get(name) or None
    return body


def _explain(name: str, problem: Any) -> str:
    return MESSAGES.get(name, "Check this field.")


def _refusal(refused: ShopError) -> dict[str, str]:
    for start, name in REFUSAL_FIELDS:
        if refused.detail.startswith(start):
            return {name: refused.detail}
    return {"code": refused.detail}


async def _save(
    visit: StaffVisit,
    schema: type[BaseModel],
    values: dict[str, str],
    fields: tuple[str, ...],
    work: Callable[..., Awaitable[Any]],
    *args: Any,
) -> dict[str, str]:
    """Validate the form with `schema` and hand its columns to `work`; what is wrong, by field."""
    body = {k: v for k, v in _body(values, fields).items() if k in schema.model_fields}
    try:
        parsed = schema.model_validate(body)
        columns = parsed.columns()  # type: ignore[attr-defined]
    except ValidationError as error:
        return field_errors(error, fields, _explain, fallback="Check the fields.")
    except ValueError as error:  # "<field> cannot be null"
        name = str(error).split(" ", 1)[0]
        return {name: MESSAGES.get(name, str(error))} if name in fields else {fields[0]: str(error)}
    try:
        await visit.database.write(work, *args, columns)
    except ShopError as refused:
        return _refusal(refused)
    return {}


def _method_values(method: dict[str, Any]) -> dict[str, str]:
    return {
        "code": method["code"],
        "name": method["name"],
        "price": f"{method['price']:.2f}",
        "free_from": "" if method["free_from"] is None else f"{method['free_from']:.2f}",
        "position": str(method["position"]),
        "active": "1" if method["active"] else "",
    }


def _code_values(code: dict[str, Any]) -> dict[str, str]:
    def moment(text: str | None) -> str:
        return "" if text is None else text[:16]  # as a datetime-local field shows it, in UTC

    value = code["value"]
    return {
        "code": code["code"],
        "kind": code["kind"],
        "value": str(value) if code["kind"] == "percent" else f"{value:.2f}",
        "min_subtotal": "" if code["min_subtotal"] is None else f"{code['min_subtotal']:.2f}",
        "starts_at": moment(code["starts_at"]),
        "ends_at": moment(code["ends_at"]),
        "usage_limit": "" if code["usage_limit"] is None else str(code["usage_limit"]),
        "once_per_email": "1" if code["once_per_email"] else "",
        "active": "1" if code["active"] else "",
    }


async def _form_page(
    visit: StaffVisit,
    template: str,
    shown: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str] | None,
    fields: tuple[str, ...],
) -> Response:
    """A page of one of the forms below: what it shows, what was typed, and the errors (400)."""
    errors = errors or {}
    return visit.page(
        template,
        {**shown, "values": values, "errors": errors, "focus": first_error(errors, fields)},
        badge=await visit.badge(),
        status=400 if errors else 200,
    )


async def _methods_page(
    visit: StaffVisit, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Response:
    return await _form_page(
        visit,
        "admin/shipping_methods.html",
        {"methods": await visit.database.read(service.list_methods)},
        values or {**dict.fromkeys(METHOD_FIELDS, ""), "active": "1", "position": "0"},
        errors,
        METHOD_FIELDS,
    )


@router.get(METHODS, response_class=HTMLResponse)
async def methods_page(visit: StaffVisit) -> Response:
    visit.logged_in()
    return await _methods_page(visit)


@router.post(METHODS)
async def create_method(visit: StaffVisit, form: CheckedForm) -> Response:
    visit.logged_in()
    values = _typed(form, METHOD_FIELDS)
    errors = await _save(visit, ShippingMethodIn, values, METHOD_FIELDS, service.create_method)
    if errors:
        return await _methods_page(visit, values, errors)
    return redirect(visit.request, METHODS, flash=f"Shipping method {values['name']} added.")


async def _method_page(
    visit: StaffVisit,
    code: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    method = await visit.database.read(service.get_method, code)
    return await _form_page(
        visit,
        "admin/shipping_method.html",
        {"method": method},
        values or _method_values(method),
        errors,
        METHOD_FIELDS,
    )


@router.get(METHODS + "/{code}", response_class=HTMLResponse)
async def method_page(visit: StaffVisit, code: str) -> Response:
    visit.logged_in()
    return await _method_page(visit, code[:100])


@router.post(METHODS + "/{code}")
async def change_method(visit: StaffVisit, form: CheckedForm, code: str) -> Response:
    visit.logged_in()
    method = await visit.database.read(service.get_method, code[:100])
    values = {**_typed(form, METHOD_FIELDS), "code": method["code"]}
    errors = await _save(
        visit, ShippingMethodChanges, values, METHOD_FIELDS, service.change_method, method["code"]
    )
    if errors:
        return await _method_page(visit, method["code"], values, errors)
    return redirect(visit.request, METHODS, flash=f"Shipping method {values['name']} saved.")


async def _codes_page(
    visit: StaffVisit, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Response:
    return await _form_page(
        visit,
        "admin/discount_codes.html",
        {"codes": await visit.database.read(service.list_codes)},
        values or {**dict.fromkeys(CODE_FIELDS, ""), "kind": "percent", "active": "1"},
        errors,
        CODE_FIELDS,
    )


@router.get(CODES, response_class=HTMLResponse)
async def codes_page(visit: StaffVisit) -> Response:
    visit.logged_in()
    return await _codes_page(visit)


@router.post(CODES)
async def create_code(visit: StaffVisit, form: CheckedForm) -> Response:
    visit.logged_in()
    values = _typed(form, CODE_FIELDS)
    errors = await _save(visit, DiscountCodeIn, values, CODE_FIELDS, service.create_code)
    if errors:
        return await _codes_page(visit, values, errors)
    created = service.normal_code(values["code"])
    return redirect(visit.request, f"{CODES}/{created}", flash=f"Discount code {created} added.")


async def _code_page(
    visit: StaffVisit,
    code: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    shown = await visit.database.read(service.get_code, code)
    return await _form_page(
        visit,
        "admin/discount_code.html",
        {"shown": shown},
        values or _code_values(shown),
        errors,
        CODE_FIELDS,
    )


@router.get(CODES + "/{code}", response_class=HTMLResponse)
async def code_page(visit: StaffVisit, code: str) -> Response:
    visit.logged_in()
    return await _code_page(visit, code[:100])


@router.post(CODES + "/{code}")
async def change_code(visit: StaffVisit, form: CheckedForm, code: str) -> Response:
    visit.logged_in()
    shown = await visit.database.read(service.get_code, code[:100])
    values = {**_typed(form, CODE_FIELDS), "code": shown["code"]}
    errors = await _save(
        visit, DiscountCodeChanges, values, CODE_FIELDS, service.change_code, shown["code"]
    )
    if errors:
        return await _code_page(visit, shown["code"], values, errors)
    return redirect(
        visit.request, f"{CODES}/{shown['code']}", flash=f"Discount code {shown['code']} saved."
    )
