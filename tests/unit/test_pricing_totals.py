"""The arithmetic of an order's totals (`shopkeep.pricing.totals`), by properties and examples."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shopkeep.pricing.totals import (
    FIXED,
    PERCENT,
    Discount,
    Shipping,
    discount_of,
    refund_of_units,
    spread,
    totals,
)

lines = st.lists(
    st.tuples(st.integers(1, 200_000), st.integers(1, 20)), min_size=1, max_size=8
)  # (unit price in cents, quantity)
discounts = st.one_of(
    st.none(),
    st.builds(Discount, st.just(PERCENT), st.integers(1, 100)),
    st.builds(Discount, st.just(FIXED), st.integers(1, 5_000_000)),
)
shippings = st.one_of(
    st.none(),
    st.builds(Shipping, st.integers(0, 5_000), st.one_of(st.none(), st.integers(0, 1_000_000))),
)


@settings(max_examples=150, deadline=None)
@given(lines=lines, discount=discounts, shipping=shippings)
def test_totals_add_up_and_the_discount_is_spread_over_the_lines_exactly(
    lines: list[tuple[int, int]], discount: Discount | None, shipping: Shipping | None
) -> None:
    line_cents = [price * quantity for price, quantity in lines]
    found = totals(line_cents, discount, shipping)

    assert found.subtotal_cents == sum(line_cents)
    assert found.total_cents == found.subtotal_cents - found.discount_cents + found.shipping_cents
    assert found.total_cents >= 0
    assert 0 <= found.discount_cents <= found.subtotal_cents
    assert sum(found.line_discounts) == found.discount_cents
    assert all(
        0 <= share <= cost for share, cost in zip(found.line_discounts, line_cents, strict=True)
    )
    if shipping is not None:
        free = shipping.free_from_cents is not None and (
            found.discounted_subtotal_cents >= shipping.free_from_cents
        )
        assert found.shipping_cents == (0 if free else shipping.price_cents)


@settings(max_examples=80, deadline=None)
@given(
    lines=lines,
    discount=discounts,
    steps=st.data(),
)
def test_refunding_every_unit_in_any_order_and_steps_returns_exactly_what_the_lines_cost(
    lines: list[tuple[int, int]], discount: Discount | None, steps: st.DataObject
) -> None:
    line_cents = [price * quantity for price, quantity in lines]
    found = totals(line_cents, discount, None)
    left = {i: quantity for i, (_, quantity) in enumerate(lines)}
    refunded = {i: 0 for i in left}
    given_back = 0
    while left:
        i = steps.draw(st.sampled_from(sorted(left)))
        units = steps.draw(st.integers(1, left[i]))
        quantity = lines[i][1]
        part = refund_of_units(line_cents[i], found.line_discounts[i], quantity, refunded[i], units)
        # Never more than those units' share of what the line cost, rounded up.
        assert 0 <= part <= -(-(line_cents[i] - found.line_discounts[i]) * units // quantity)
        given_back += part
        refunded[i] += units
        left[i] -= units
        if not left[i]:
            del left[i]
    assert given_back == found.total_cents


def test_a_percentage_rounds_half_up_once_on_the_whole_order() -> None:
    # 10% of 3 x 1.05 is 0.315: 0.32 on the order (per line it would be 3 x 0.11 = 0.33).
    assert discount_of(315, Discount(PERCENT, 10)) == 32
    assert discount_of(314, Discount(PERCENT, 10)) == 31
    assert totals([105, 105, 105], Discount(PERCENT, 10), None).discount_cents == 32


def test_a_fixed_amount_never_takes_more_than_the_subtotal() -> None:
    found = totals([1999], Discount(FIXED, 5000), Shipping(499))
    assert (found.discount_cents, found.shipping_cents, found.total_cents) == (1999, 499, 499)


def test_free_shipping_counts_the_subtotal_after_the_discount() -> None:
    standard = Shipping(499, 5000)
    assert totals([5000], None, standard).shipping_cents == 0
    # 10% off 50.00 is 45.00, below the threshold: shipping is charged.
    assert totals([5000], Discount(PERCENT, 10), standard).total_cents == 4500 + 499


def test_largest_remainder_gives_the_leftover_cents_to_the_largest_fractions() -> None:
    assert spread(100, [1, 1, 1]) == (34, 33, 33)
    assert spread(10, [5, 3, 2]) == (5, 3, 2)
    assert spread(7, [10, 10, 0]) == (4, 3, 0)
    assert spread(0, [3, 4]) == (0, 0)
