"""Numbers from clients are bounded in length, magnitude and precision before anything is done
with them, and come out in a canonical form that is short to write."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopkeep.numbers import MAX_PLACES, NumberError, parse_decimal, parse_int

LOW, HIGH = Decimal(0), Decimal(1_000_000_000)
# The longest plain rendering a bounded value can have: the integer digits of HIGH, a point
# and MAX_PLACES decimals.
LONGEST = len(str(HIGH)) + 1 + MAX_PLACES

NUMBERISH = st.text(alphabet="0123456789eE+-.,_ \u00b2\u00b9\u0660\uff11NaInfy", max_size=40)


@pytest.mark.parametrize(
    ("text", "value"),
    [("19.99", "19.99"), ("2E+1", "20"), ("1.500000000", "1.5"), ("0E-99999", "0"), ("-0", "0")],
)
def test_sensible_numbers_are_read_in_canonical_form(text: str, value: str) -> None:
    parsed = parse_decimal(text, low=LOW, high=HIGH)
    assert f"{parsed:f}" == value


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1E-50000000", "precision"),
        ("1E-9999999999999999", "precision"),
        ("1e+999999999", "high"),
        ("1000000000.01", "high"),
        ("-1", "low"),
        ("-1e+999999999", "low"),
        ("NaN", "format"),
        ("Infinity", "format"),
        ("1E-999999999999999999999", "format"),
        ("²", "format"),
        ("\uff11", "format"),
        ("1" * 40, "format"),
        ("", "format"),
    ],
)
def test_hostile_numbers_are_refused_with_the_bound_they_break(text: str, kind: str) -> None:
    with pytest.raises(NumberError) as refused:
        parse_decimal(text, low=LOW, high=HIGH)
    assert refused.value.kind == kind


@given(NUMBERISH)
def test_any_text_is_a_bounded_short_decimal_or_refused(text: str) -> None:
    try:
        value = parse_decimal(text, low=LOW, high=HIGH)
    except NumberError:
        return
    assert LOW <= value <= HIGH
    assert len(f"{value:f}") <= LONGEST


@given(st.text(alphabet="0123456789+- \u00b2\u0660", max_size=120))
def test_any_text_is_a_whole_number_in_range_or_refused(text: str) -> None:
    try:
        value = parse_int(text, low=1, high=1000)
    except NumberError:
        return
    assert 1 <= value <= 1000
    assert text.strip().lstrip("+").isascii()
