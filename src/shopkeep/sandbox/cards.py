"""Card checks and the sandbox's test cards: pure functions, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

SUCCESS_CARD = "4242424242424242"

# Test cards with a scripted outcome: the reason a declined payment gives.
DECLINES = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}
DECLINE_MESSAGES = {
    "card_declined": "The card was declined.",
    "insufficient_funds": "The card was declined for insufficient funds.",
}

_SEPARATORS = re.compile(r"[\s-]")
_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


class CardError(ValueError):
    """The card details cannot be used: a form error, not a payment."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def card_number(raw: str) -> str:
    """The digits of a card number as typed (spaces and dashes allowed), checked with Luhn."""
    digits = _SEPARATORS.sub("", raw)
    if not digits:
        raise CardError("card_number", "Enter the card number.")
    if not digits.isascii() or not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise CardError("card_number", "A card number has 12 to 19 digits.")
    if not passes_luhn(digits):
        raise CardError("card_number", "This card number is not valid: check the digits.")
    return digits


def passes_luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def expiry(raw: str, today: date) -> tuple[int, int]:
    """(month, year) of an `MM/YY` expiry that has not passed (a card is valid to month end)."""
    match = _EXPIRY.match(raw)
    if match is None:
        raise CardError("expiry", "Enter the expiry date as MM/YY.")
    month, year = int(match[1]), int(match[2])
    if year < 100:
        year += 2000
    if not 1 <= month <= 12:
        raise CardError("expiry", "The expiry month must be between 01 and 12.")
    if (year, month) < (today.year, today.month):
        raise CardError("expiry", "This card has expired.")
    if year > today.year + 20:
        raise CardError("expiry", "The expiry date is too far in the future.")
    return month, year


def cvc(raw: str) -> str:
    value = raw.strip()
    if not (value.isascii() and value.isdigit() and 3 <= len(value) <= 4):
        raise CardError("cvc", "Enter the 3 or 4 digit security code.")
    return value


@dataclass(frozen=True, slots=True)
class Outcome:
    """What charging a card does: success, or a decline with its reason."""

    succeeded: bool
    failure_code: str | None = None

    @property
    def message(self) -> str | None:
        return DECLINE_MESSAGES.get(self.failure_code or "")


def charge(number: str) -> Outcome:
    """The scripted result of charging a valid card number: the decline cards fail, any other
    valid number succeeds."""
    if reason := DECLINES.get(number):
        return Outcome(succeeded=False, failure_code=reason)
    return Outcome(succeeded=True)
