"""Reading the storefront's forms: URL-encoded bodies and quantities, in a shopper's words."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

from shopkeep.carts.service import MAX_QUANTITY
from shopkeep.db import MAX_ID
from shopkeep.errors import ShopError
from shopkeep.numbers import NumberError, parse_int

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
