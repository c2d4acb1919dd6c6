"""Shapes of shipping methods and discount codes in the API (amounts as decimals, at most two
decimals; kept in cents)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shopkeep.money import MAX_AMOUNT, to_cents
from shopkeep.numbers import checked
from shopkeep.pricing.service import CODE_PATTERN, MAX_CODE

Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_CODE, pattern=CODE_PATTERN
    ),
    Field(description="Letters, digits, - and _; any case.", examples=["standard"]),
]
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]
Amount = Annotated[
    Decimal,
    Field(ge=0, le=MAX_AMOUNT, description="At most two decimals, e.g. 4.99."),
    checked(0, MAX_AMOUNT, 2),
]
Position = Annotated[int, Field(ge=0, le=1_000_000, description="Lowest shows first.")]
UsageLimit = Annotated[int, Field(ge=1, le=1_000_000_000)]


def _utc(moment: datetime | None) -> datetime | None:
    """A moment without a zone is taken as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


Moment = Annotated[datetime, AfterValidator(_utc), Field(description="ISO 8601; no zone: UTC.")]


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else to_cents(amount)


class ShippingMethodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    price: Amount
    free_from: Amount | None = Field(
        default=None, description="Free from this subtotal (after the discount); null: never."
    )
    active: bool = True
    position: Position = 0

    def columns(self) -> dict[str, Any]:
        return {
            "code": self.code.lower(),
            "name": self.name,
            "price_cents": to_cents(self.price),
            "free_from_cents": cents(self.free_from),
            "active": self.active,
            "position": self.position,
        }


class ShippingMethodChanges(BaseModel):
    """Only the fields given change; `free_from` may be null (never free)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    price: Amount | None = None
    free_from: Amount | None = None
    active: bool | None = None
    position: Position | None = None

    def columns(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True)
        for name in given.keys() - {"free_from"}:
            if given[name] is None:
                raise ValueError(f"{name} cannot be null")
        if "price" in given:
            given["price_cents"] = to_cents(given.pop("price"))
        if "free_from" in given:
            given["free_from_cents"] = cents(given.pop("free_from"))
        return given


class ShippingMethodPublic(BaseModel):
    code: str
    name: str
    price: float
    free_from: float | None


class ShippingMethodOut(ShippingMethodPublic):
    active: bool
    position: int


Kind = Literal["percent", "fixed"]


class DiscountCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    kind: Kind
    value: Amount = Field(description="percent: a whole number 1..100; fixed: an amount.")
    min_subtotal: Amount | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    usage_limit: UsageLimit | None = Field(default=None, description="Uses in all; null: no limit.")
    once_per_email: bool = False
    active: bool = True

    def columns(self) -> dict[str, Any]:
        values = self.model_dump()
        values["min_subtotal_cents"] = cents(values.pop("min_subtotal"))
        return values


class DiscountCodeChanges(BaseModel):
    """Only the fields given change; `min_subtotal`, `starts_at`, `ends_at` and
    `usage_limit` may be null (none). A new `kind` comes with its `value`."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind | None = None
    value: Amount | None = None
    min_subtotal: Amount | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    usage_limit: UsageLimit | None = None
    once_per_email: bool | None = None
    active: bool | None = None

    def columns(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True)
        nullable = {"min_subtotal", "starts_at", "ends_at", "usage_limit"}
        for name in given.keys() - nullable:
            if given[name] is None:
                raise ValueError(f"{name} cannot be null")
        if "min_subtotal" in given:
            given["min_subtotal_cents"] = cents(given.pop("min_subtotal"))
        return given


class DiscountCodeOut(BaseModel):
    code: str
    kind: Kind
    value: float
    min_subtotal: float | None
    starts_at: str | None
    ends_at: str | None
    usage_limit: int | None
    once_per_email: bool
    active: bool
    uses: int = Field(description="Orders holding a use now (waiting for payment or paid).")
    created_at: str


class CodeUseOut(BaseModel):
    order_id: str
    status: str
    discount: float
    total: float
    used_at: str
    given_back_at: str | None = Field(description="When the order let go of the use, if it did.")


class DiscountCodeDetail(DiscountCodeOut):
    orders: list[CodeUseOut] = Field(description="The orders that used the code, newest first.")
