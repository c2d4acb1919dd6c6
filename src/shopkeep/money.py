"""Money is an integer number of cents inside Shopkeep; JSON shows it with two decimals at most."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

# One billion in the major unit: beyond any price or total a shop will see.
MAX_AMOUNT = Decimal(1_000_000_000)
MAX_CENTS = int(MAX_AMOUNT * 100)


def to_cents(amount: Decimal) -> int:
    """Exact cents of `amount`; ValueError when it is not finite or has more than two decimals."""
    if not amount.is_finite():
        raise ValueError("amount must be a finite number")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError("amount must have at most two decimals")
    return int(cents)


def ceil_cents(amount: Decimal) -> int:
    """Cents rounded up: a filter `min_price=19.995` means "at least 20.00"."""
    return int((amount * 100).to_integral_value(rounding=ROUND_CEILING))


def floor_cents(amount: Decimal) -> int:
    """Cents rounded down: a filter `max_price=19.995` means "at most 19.99"."""
    return int((amount * 100).to_integral_value(rounding=ROUND_FLOOR))


def as_json_number(cents: int) -> float:
    """The JSON rendering of an amount: `8999` → `89.99`.

    Only for output. Dividing an integer below 2**53 by 100 yields the double nearest to the
    decimal amount, whose shortest representation is exactly that decimal, so the JSON text
    is exact. No arithmetic is ever done on the result.
    """
    return cents / 100


def as_decimal(cents: int) -> Decimal:
    return Decimal(cents) / 100


CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def display(cents: int, currency: str = "USD") -> str:
    """An amount as a shopper reads it: `123456` → `$1,234.56` (other currencies by code)."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    number = f"{whole:,}.{fraction:02d}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"
