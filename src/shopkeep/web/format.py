"""How the storefront shows amounts, ratings and stock to a shopper."""

from __future__ import annotations

from decimal import Decimal

from shopkeep.money import display, to_cents

# At or below this many units, a product's badge says how many are left.
FEW_LEFT = 5


def cents_of(amount: float) -> int:
    """The exact cents of an amount as the services report it (`money.as_json_number`).

    Such a number's shortest text is the decimal amount itself, so reading that text back as
    a Decimal recovers the cents exactly, with no arithmetic on the float.
    """
    return to_cents(Decimal(repr(amount)))


def price(cents: int) -> str:
    """`899999` → `$8,999.99`."""
    return display(cents)


def amount(value: float) -> str:
    """An amount as the services report it, shown as a price: `89.99` → `$89.99`."""
    return display(cents_of(value))


def rating(value: float) -> str:
    return f"{value:.1f}"


def stars(value: float) -> str:
    """Five stars, the rating rounded to the nearest whole star (decoration: the number is
    what a screen reader hears)."""
    full = min(5, max(0, int(value + 0.5)))
    return "★" * full + "☆" * (5 - full)


def stock_badge(stock: int) -> tuple[str, str]:
    """The badge's words and its kind (for styling)."""
    if stock <= 0:
        return "Out of stock", "out"
    if stock <= FEW_LEFT:
        return f"Only {stock} left", "few"
    return "In stock", "in"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
