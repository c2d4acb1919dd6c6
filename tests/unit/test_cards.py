"""Card checks and the sandbox's test cards."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopkeep.sandbox import cards

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "number",
    ["4242424242424242", "4000000000000002", "4000000000009995", "5555555555554444", "79927398713"],
)
def test_known_good_numbers_pass_luhn(number: str) -> None:
    assert cards.passes_luhn(number)


@given(st.text(alphabet="0123456789", min_size=12, max_size=18), st.integers(1, 9))
def test_changing_one_digit_breaks_luhn(payload: str, delta: int) -> None:
    check = next(d for d in "0123456789" if cards.passes_luhn(payload + d))
    number = payload + check
    altered = number[:-1] + str((int(number[-1]) + delta) % 10)
    assert not cards.passes_luhn(altered)


def test_card_numbers_may_be_typed_with_spaces_or_dashes() -> None:
    assert cards.card_number(" 4242 4242-4242 4242 ") == "4242424242424242"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter the card number."),
        ("4242", "12 to 19 digits"),
        ("4242 4242 4242 424x", "12 to 19 digits"),
        ("\uff14\uff12" * 8, "12 to 19 digits"),  # full-width digits
        ("4242424242424241", "not valid"),
    ],
)
def test_unusable_card_numbers_are_form_errors(raw: str, message: str) -> None:
    with pytest.raises(cards.CardError) as error:
        cards.card_number(raw)
    assert error.value.field == "card_number" and message in error.value.message


def test_the_test_cards_have_their_scripted_outcomes() -> None:
    assert cards.charge("4242424242424242") == cards.Outcome(succeeded=True)
    declined = cards.charge("4000000000000002")
    assert not declined.succeeded and declined.failure_code == "card_declined"
    poor = cards.charge("4000000000009995")
    assert not poor.succeeded and poor.failure_code == "insufficient_funds"
    assert poor.message == "The card was declined for insufficient funds."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("11/26", (11, 2026)), ("1/27", (1, 2027)), ("12/2030", (12, 2030)), (" 03 / 29 ", (3, 2029))],
)
def test_an_expiry_this_month_or_later_is_accepted(raw: str, expected: tuple[int, int]) -> None:
    assert cards.expiry(raw, TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("10/26", "This card has expired."),
        ("00/30", "between 01 and 12"),
        ("13/30", "between 01 and 12"),
        ("1230", "MM/YY"),
        ("12/3", "MM/YY"),
        ("", "MM/YY"),
        ("12/99", "too far in the future"),
    ],
)
def test_a_past_or_malformed_expiry_is_a_form_error(raw: str, message: str) -> None:
    with pytest.raises(cards.CardError) as error:
        cards.expiry(raw, TODAY)
    assert error.value.field == "expiry" and message in error.value.message


@pytest.mark.parametrize("raw", ["", "12", "12345", "12a", "\u0661\u0662\u0663"])
def test_a_security_code_has_three_or_four_ascii_digits(raw: str) -> None:
    with pytest.raises(cards.CardError):
        cards.cvc(raw)
    assert cards.cvc(" 123 ") == "123" and cards.cvc("1234") == "1234"
