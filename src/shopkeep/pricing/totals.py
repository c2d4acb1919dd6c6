"""The arithmetic of an order's totals, pure and in integer cents (SPEC §15).

subtotal → discount → free-shipping threshold (on the discounted subtotal) → shipping → total.
A percentage is taken of the whole subtotal and rounded half up once; a fixed amount never
exceeds the subtotal. The discount is then spread over the lines by largest remainder, so each
line knows what it really cost and a refund of it can never return more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PERCENT = "percent"
FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class Discount:
    kind: str  # PERCENT (value 1..100) or FIXED (value in cents)
    value: int


@dataclass(frozen=True, slots=True)
class Shipping:
    price_cents: int
    free_from_cents: int | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal_cents: int
    discount_cents: int
    shipping_cents: int
    # Each line's share of the discount, in the order the lines were given.
    line_discounts: tuple[int, ...]

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents + self.shipping_cents

    @property
    def discounted_subtotal_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents


def discount_of(subtotal_cents: int, discount: Discount | None) -> int:
    """What the discount takes off a subtotal: never more than the subtotal, never below 0."""
    if discount is None or subtotal_cents <= 0:
        return 0
    if discount.kind == PERCENT:
        # Half up, once, on the whole order: (s * p + 50) // 100 in integers.
        taken = (subtotal_cents * discount.value + 50) // 100
    else:
        taken = discount.value
    return max(0, min(taken, subtotal_cents))


def shipping_of(discounted_subtotal_cents: int, shipping: Shipping | None) -> int:
    """The shipping price, free once the discounted subtotal reaches the method's threshold."""
    if shipping is None:
        return 0
    if (
        shipping.free_from_cents is not None
        and discounted_subtotal_cents >= shipping.free_from_cents
    ):
        return 0
    return shipping.price_cents


def spread(amount_cents: int, weights: Sequence[int]) -> tuple[int, ...]:
    """`amount_cents` split over lines in proportion to `weights` (their line totals) by the
    largest remainder: the parts sum to the amount, none exceeds its weight when the amount
    does not exceed the total of the weights, and ties go to the earlier line."""
    whole = sum(weights)
    if whole <= 0 or amount_cents <= 0:
        return tuple(0 for _ in weights)
    shares = [amount_cents * weight // whole for weight in weights]
    remainders = [amount_cents * weight % whole for weight in weights]
    left = amount_cents - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[:left]:
        shares[i] += 1
    return tuple(shares)


def totals(
    line_cents: Sequence[int], discount: Discount | None, shipping: Shipping | None
) -> Totals:
    """The order's totals from its lines' totals (price x quantity, in cents)."""
    subtotal = sum(line_cents)
    taken = discount_of(subtotal, discount)
    return Totals(
        subtotal_cents=subtotal,
        discount_cents=taken,
        shipping_cents=shipping_of(subtotal - taken, shipping),
        line_discounts=spread(taken, line_cents),
    )


def refund_of_units(
    line_cents: int, line_discount_cents: int, quantity: int, already: int, units: int
) -> int:
    """What refunding `units` more units of a line returns, when `already` units of it were
    refunded before: the line's discounted amount is handed out unit by unit (rounded down so
    far), so the refunds of a line in any number of steps add up to exactly what it cost."""
    paid = line_cents - line_discount_cents
    upto = min(already + units, quantity)  # never past the line's last unit
    return max(0, paid * upto // quantity - paid * min(already, quantity) // quantity)
