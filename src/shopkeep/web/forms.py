"""Reading the storefront's forms: URL-encoded bodies, quantities and the customer's details,
in a shopper's words; and turning a schema's validation errors into messages by field, for
every form that is validated by an API schema."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from pydantic import ValidationError

from shopkeep.carts.service import MAX_QUANTITY
from shopkeep.db import MAX_ID
from shopkeep.errors import ShopError
from shopkeep.numbers import NumberError, parse_int
from shopkeep.orders.details import CustomerDetails

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_NEXT = 2000  # characters of an address on this site that a form returns to
MAX_FIELDS = 100  # far more than any form of the shop has; reading more would cost real time


class FormError(ValueError):
    """A form field a shopper filled in wrongly; the message is shown next to that field."""


class UnsupportedForm(ShopError):
    status_code = 415


class OversizedForm(ShopError):
    status_code = 400


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form (the first value of each name); no body is no field."""
    body = await request.body()
    if not body:
        return {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise UnsupportedForm(f"This page accepts forms sent as {FORM_TYPE}.")
    text = body.decode("utf-8", errors="replace")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError as error:  # more fields than MAX_FIELDS
        raise OversizedForm(
            f"This form arrived with more than {MAX_FIELDS} fields, so nothing was changed: "
            "go back, reload the page and try again."
        ) from error
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def parse_quantity(text: str | None, *, allow_zero: bool = False) -> int:
    """A quantity typed by a shopper: a whole number from 1 (or 0, which removes a line) up to
    the per-product limit."""
    lowest = 0 if allow_zero else 1
    try:
        return parse_int(text, low=lowest, high=MAX_QUANTITY)
    except NumberError as error:
        if error.kind == "low":
            raise FormError(f"Choose a quantity of at least {lowest}.") from error
        if error.kind == "high":
            raise FormError(f"You can buy at most {MAX_QUANTITY:,} of one product.") from error
        raise FormError("Enter a whole number, like 1 or 2.") from error


def parse_id(text: str | None) -> int | None:
    """A product or category id from a URL or a form; None when it cannot be one."""
    text = (text or "").strip()
    if not text.isdigit():  # no sign: "+3" names nothing
        return None
    try:
        return parse_int(text, low=1, high=MAX_ID)
    except NumberError:
        return None


def safe_next(target: str | None, default: str = "/") -> str:
    """Where to send the shopper back to after a form: a path on this site, never elsewhere."""
    if (
        not target
        or len(target) > MAX_NEXT
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(ord(c) < 32 for c in target)
    ):
        return default
    return target


# Says what is wrong with one field, given the field's name and pydantic's problem.
Explain = Callable[[str, Mapping[str, Any]], str]


def field_errors(
    error: ValidationError, fields: tuple[str, ...], explain: Explain, *, fallback: str
) -> dict[str, str]:
    """A schema's validation errors as one message per form field (the first problem of each);
    a problem that names none of `fields` goes to the first field, said as `fallback`."""
    errors: dict[str, str] = {}
    for problem in error.errors():
        name = next((str(part) for part in reversed(problem["loc"]) if part in fields), "")
        if name:
            errors.setdefault(name, explain(name, problem))
    return errors or {fields[0]: fallback}


def length_problem(problem: Mapping[str, Any]) -> str | None:
    """The words for a problem any text field can have, or None."""
    kind: str = problem["type"]
    ctx: Mapping[str, Any] = problem.get("ctx") or {}
    if kind == "string_too_long":
        return f"Use at most {ctx['max_length']:,} characters."
    return None


# The checkout form, in its order on the page.
CUSTOMER_FIELDS = (
    "email",
    "name",
    "line1",
    "line2",
    "city",
    "postal_code",
    "country",
    "phone",
    "note",
)
ADDRESS_FIELDS = ("line1", "line2", "city", "postal_code", "country", "phone")
_MISSING = {
    "email": "Enter your email address, so we can confirm your order.",
    "name": "Enter your full name.",
    "line1": "Enter the first line of your address.",
    "city": "Enter your town or city.",
    "postal_code": "Enter your postal code.",
    "country": "Choose your country.",
}


@dataclass(frozen=True, slots=True)
class CustomerForm:
    """The checkout form as posted: the values as typed (to show them again), and either the
    validated details or what is wrong, by field."""

    values: dict[str, str]
    details: CustomerDetails | None = None
    errors: dict[str, str] = field(default_factory=dict)


def customer_values(customer: Mapping[str, Any] | None) -> dict[str, str]:
    """The form's fields, empty or from an order's snapshot (a returning shopper's last)."""
    return {name: str((customer or {}).get(name) or "") for name in CUSTOMER_FIELDS}


def read_customer(form: Mapping[str, str]) -> CustomerForm:
    """Validate the checkout form with the API's own schema (`CustomerDetails`)."""
    values = {name: form.get(name, "") for name in CUSTOMER_FIELDS}
    body = {
        "email": values["email"],
        "name": values["name"],
        "shipping_address": {name: values[name] for name in ADDRESS_FIELDS},
        "note": values["note"],
    }
    try:
        details = CustomerDetails.model_validate(body)
    except ValidationError as error:
        errors = field_errors(
            error, CUSTOMER_FIELDS, _customer_message, fallback="Check the fields and try again."
        )
        return CustomerForm(values, errors=errors)
    return CustomerForm(values, details=details)


def _customer_message(name: str, problem: Mapping[str, Any]) -> str:
    kind: str = problem["type"]
    if (words := length_problem(problem)) is not None:
        typed = problem.get("input")
        return f"{words[:-1]} (this has {len(typed):,})." if isinstance(typed, str) else words
    if kind in ("missing", "string_too_short") and name in _MISSING:
        return _MISSING[name]
    if name == "email":
        if kind == "string_pattern_mismatch":
            return "An email address is one line: remove the line break."
        return "Enter an email address like name@example.com."
    if name == "country":
        return "Choose your country from the list."
    if name == "phone":
        return "Use digits, spaces and + ( ) - . / only, or leave it empty."
    if name == "note":
        return "This holds a character that cannot be kept (a control character): remove it."
    if kind == "string_pattern_mismatch":
        return "Keep this to one line, without line breaks or control characters."
    return "Check this field."
