"""Who an order ships to: the customer's details as checkout takes them (SPEC §11).

A pure piece: the API body and the storefront's form are both validated by `CustomerDetails`,
and the order keeps what it accepted as a snapshot. One-line fields refuse line breaks and
other control characters, so nothing typed here can ever end up as a line of its own in an
email header or a CSV row.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

EMAIL_MAX = 254
NAME_MAX = 200
LINE_MAX = 200
CITY_MAX = 100
POSTAL_CODE_MAX = 20
PHONE_MAX = 40
NOTE_MAX = 1000

# One line of text: no control characters (CR and LF among them) and no Unicode line breaks.
ONE_LINE = r"^[^\x00-\x1f\x7f\x85\u2028\u2029]*$"
# A note may span lines, but holds no other control character.
NOTE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
PHONE = r"^[0-9+()./ -]*$"
CHOICE_MAX = 40  # characters of a shipping method's or a discount code's code


def _checked_email(value: str) -> str:
    """An address as email-validator normalises it; no DNS lookup (checkout must not wait on
    the network, and a shop on a laptop has none)."""
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(f"not an email address: {error}") from None
    return checked.normalized


def _checked_country(value: str) -> str:
    code = value.upper()
    if code not in country_names():
        raise ValueError("country must be an ISO 3166-1 alpha-2 code, like 'US' or 'DE'")
    return code


def _one_line(min_length: int, max_length: int) -> Any:
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=ONE_LINE
    )


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=EMAIL_MAX, pattern=ONE_LINE),
    AfterValidator(_checked_email),
    Field(examples=["ada@example.com"]),
]
Name = Annotated[str, _one_line(1, NAME_MAX), Field(examples=["Ada Lovelace"])]
Country = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=2),
    AfterValidator(_checked_country),
    Field(description="ISO 3166-1 alpha-2 code.", examples=["GB"]),
]


class ShippingAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line1: Annotated[str, _one_line(1, LINE_MAX)]
    line2: Annotated[str, _one_line(0, LINE_MAX)] = ""
    city: Annotated[str, _one_line(1, CITY_MAX)]
    postal_code: Annotated[str, _one_line(1, POSTAL_CODE_MAX)]
    country: Country
    phone: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=PHONE_MAX, pattern=PHONE),
        Field(description="Digits, spaces and + ( ) - . /"),
    ] = ""

    @model_validator(mode="before")
    @classmethod
    def _null_is_empty(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: "" if k in ("line2", "phone") and v is None else v for k, v in data.items()}
        return data


class CustomerDetails(BaseModel):
    """The body of `POST /cart/{id}/checkout` (optional) and the storefront's checkout form."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    name: Name
    shipping_address: ShippingAddress
    note: Annotated[str, StringConstraints(max_length=NOTE_MAX, pattern=NOTE_TEXT)] = ""

    @model_validator(mode="before")
    @classmethod
    def _null_note_is_empty(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("note") is None and "note" in data:
            data = {**data, "note": ""}
        return data

    def snapshot(self) -> dict[str, str]:
        """The columns an order keeps (`order_customers`)."""
        address = self.shipping_address
        return {
            "email": self.email,
            "name": self.name,
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "postal_code": address.postal_code,
            "country": address.country,
            "phone": address.phone,
            "note": self.note.strip(),
        }


Choice = Annotated[str, StringConstraints(strip_whitespace=True, max_length=CHOICE_MAX)]


class CheckoutBody(CustomerDetails):
    """The optional body of `POST /cart/{id}/checkout`: the customer's details, and the
    shipping method and discount code, each optional (SPEC §15)."""

    shipping_method: Choice | None = Field(
        default=None, description="A code of `GET /shipping-methods`; none: no shipping line."
    )
    discount_code: Choice | None = Field(default=None, description="Any case.")

    def details(self) -> CustomerDetails:
        return CustomerDetails.model_validate(
            self.model_dump(exclude={"shipping_method", "discount_code"})
        )


@cache
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 codes and their common names, sorted by name."""
    countries = [
        (c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries
    ]
    return dict(sorted(countries, key=lambda pair: pair[1]))


def country_name(code: str) -> str:
    return country_names().get(code, code)
