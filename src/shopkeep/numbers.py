"""Numbers that arrive as text (query strings, forms, JSON): bounded before any arithmetic.

A decimal such as `1E-50000000` is twelve characters long, yet written out in full it is fifty
million digits: a length check alone does not bound the work a number costs. Every number a
client sends is therefore checked for its length, its magnitude and its precision (how many
decimals it carries once trailing zeros are dropped), and kept in a canonical form whose plain
rendering is as short as those bounds allow.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

MAX_TEXT = 32  # characters of a number as typed; far beyond any price, rating or count
MAX_INT_DIGITS = 100  # a whole number this long is cheap to read, and plainly too large
MAX_PLACES = 6  # decimals a filter may carry; finer ones change nothing


class NumberError(ValueError):
    """Text that is not a number within the bounds; the message says which bound, `kind`
    names it: "format", "precision", "low" or "high"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def bounded(value: Decimal, *, low: Decimal, high: Decimal, places: int) -> Decimal:
    """`value` in canonical form (no trailing zeros, no exponent beyond `places` decimals),
    or NumberError when it is not finite, out of `low..high`, or more precise than `places`."""
    if not value.is_finite():
        raise NumberError("format", "not a finite number")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    # Trailing zeros carry no precision: 1.500 is 1.5, 0E-99999 is 0.
    kept = len(digits)
    while kept > 1 and digits[kept - 1] == 0:
        kept -= 1
    exponent += len(digits) - kept
    if kept == 1 and digits[0] == 0:
        canonical = Decimal(0)
    else:
        if -exponent > places:
            raise NumberError("precision", f"at most {places} decimals")
        # The magnitude is compared before any zero is written, so 1E+999999999 costs nothing.
        if kept - 1 + exponent > max(abs(low), abs(high)).adjusted():
            raise (
                NumberError("low", f"at least {low}")
                if sign
                else NumberError("high", f"at most {high}")
            )
        if exponent > 0:
            canonical = Decimal((sign, digits[:kept] + (0,) * exponent, 0))
        else:
            canonical = Decimal((sign, digits[:kept], exponent))
    if canonical < low:
        raise NumberError("low", f"at least {low}")
    if canonical > high:
        raise NumberError("high", f"at most {high}")
    return canonical


def parse_decimal(
    text: str | None, *, low: Decimal, high: Decimal, places: int = MAX_PLACES
) -> Decimal:
    """A decimal typed by a person (`19.99`, `20`, `2e1`), bounded as `bounded` says;
    NumberError for anything else, ASCII digits only."""
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT or not text.isascii():
        raise NumberError("format", "not a number")
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise NumberError("format", "not a number") from error
    return bounded(value, low=low, high=high, places=places)


def parse_int(text: str | None, *, low: int, high: int) -> int:
    """A whole number in ASCII digits (an optional sign), within `low..high`."""
    text = (text or "").strip()
    unsigned = text[1:] if text[:1] in ("+", "-") else text
    if (
        not unsigned
        or len(unsigned) > MAX_INT_DIGITS
        or not (unsigned.isascii() and unsigned.isdigit())
    ):
        raise NumberError("format", "not a whole number")
    value = int(text)
    if value < low:
        raise NumberError("low", f"at least {low}")
    if value > high:
        raise NumberError("high", f"at most {high}")
    return value


def checked(low: Decimal | int, high: Decimal | int, places: int = MAX_PLACES) -> Any:
    """A pydantic validator that puts a parsed decimal through `bounded` (pair it with
    `Field(ge=low, le=high)`, which shows the bounds in the OpenAPI schema)."""
    low, high = Decimal(low), Decimal(high)

    def check(value: Decimal) -> Decimal:
        try:
            return bounded(value, low=low, high=high, places=places)
        except NumberError as error:
            raise PydanticCustomError(
                "decimal_bounds", "Input should be a number with {rule}", {"rule": str(error)}
            ) from error

    return AfterValidator(check)
