"""Request and response shapes of the back office's API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    HttpUrl,
    UrlConstraints,
    field_validator,
    model_validator,
)

from shopkeep.admin.orders import OrderFilter
from shopkeep.catalog.schemas import MAX_PAGE
from shopkeep.fulfilment.service import Tracking, Units
from shopkeep.money import MAX_AMOUNT
from shopkeep.orders.schemas import OrderLineOut, OrderOut, ShipmentPublic
from shopkeep.refunds.service import RefundUnits

ShipmentOut = ShipmentPublic

OrderStatus = Literal["pending_payment", "paid", "payment_failed", "expired", "cancelled"]
PaymentStatus = Literal["unpaid", "paid", "partially_refunded", "refunded"]
FulfilmentStatus = Literal["unfulfilled", "partially_shipped", "shipped", "delivered"]
# Days far enough from the calendar's end that the day after the last is still a date.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 12, 30)


class OrderFilters(BaseModel):
    """Every filter is optional; together they narrow the list."""

    status: OrderStatus | None = Field(default=None, description="The order's status.")
    payment_status: PaymentStatus | None = Field(
        default=None, description="What its payment took and gave back, as the order shows."
    )
    fulfilment_status: FulfilmentStatus | None = Field(
        default=None, description="How far its units have shipped, as the order shows."
    )
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Search, in any case: the start of an order id, the start of the "
        "customer's email (or all of it), or a part of their name.",
    )
    created_from: date | None = Field(
        default=None, ge=FIRST_DAY, le=LAST_DAY, description="Placed on or after this UTC day."
    )
    created_to: date | None = Field(
        default=None, ge=FIRST_DAY, le=LAST_DAY, description="Placed on or before this UTC day."
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> OrderFilters:
        if self.created_from and self.created_to and self.created_from > self.created_to:
            raise ValueError("created_from must not be after created_to")
        return self

    def order_filter(self) -> OrderFilter:
        return OrderFilter(
            status=self.status,
            payment_status=self.payment_status,
            fulfilment_status=self.fulfilment_status,
            q=self.q,
            created_from=self.created_from,
            created_to=self.created_to,
        )


class OrderQuery(OrderFilters):
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=20, ge=1, le=100)


class OrderSummary(BaseModel):
    order_id: str
    status: str
    total: float
    currency: str
    units: int = Field(description="Units over all the order's lines.")
    payment_status: PaymentStatus
    fulfilment_status: FulfilmentStatus
    email: str | None = Field(description="The customer's; null for an order placed without.")
    name: str | None
    created_at: str
    updated_at: str


class OrderPage(BaseModel):
    total: int
    page: int
    page_size: int
    orders: list[OrderSummary]


class StaffOrderItem(OrderLineOut):
    seller_id: int | None = Field(description="null: the shop's own catalog.")
    seller: str | None = Field(description="The seller's username; null for the shop.")
    stock_now: int = Field(description="The product's stock on the shelf now.")
    product_deleted: bool


class PaymentRecord(BaseModel):
    payment_id: str
    status: str
    amount: float
    received_at: str


class Sales(BaseModel):
    since: str
    paid_orders: int
    revenue: float


class LowStockProduct(BaseModel):
    id: int
    name: str
    stock: int
    low_stock_threshold: int
    seller_id: int | None


class SellerWaiting(BaseModel):
    seller_id: int | None = Field(description="null: the shop's own products.")
    seller: str | None = Field(description="The seller's username; null for the shop.")
    orders: int = Field(description="Paid orders with units of their lines waiting to ship.")


class Dashboard(BaseModel):
    waiting_by_seller: list[SellerWaiting] = Field(description="The most waiting first.")
    today: Sales
    last_7_days: Sales = Field(description="Today and the 6 UTC days before it.")
    waiting_to_ship: int = Field(description="Paid orders with units neither shipped nor put back.")
    low_stock_total: int = Field(description="Products at or below their low-stock threshold.")
    low_stock: list[LowStockProduct] = Field(description="The lowest first, at most 20.")


# Acting on an order.


class UnitsIn(BaseModel):
    product_id: int = Field(ge=1)
    quantity: int = Field(ge=1, le=100_000)


class ShipmentIn(BaseModel):
    lines: list[UnitsIn] | None = Field(
        default=None, min_length=1, max_length=500, description="Omitted: every remaining unit."
    )
    carrier: str = Field(min_length=1, max_length=100)
    tracking_number: str = Field(min_length=1, max_length=100)
    tracking_url: Annotated[HttpUrl, UrlConstraints(max_length=500)] | None = Field(
        default=None, description="An http(s) address (at most 500 characters)."
    )

    @field_validator("carrier", "tracking_number")
    @classmethod
    def _stripped(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    def units(self) -> list[Units] | None:
        return None if self.lines is None else [Units(u.product_id, u.quantity) for u in self.lines]

    def tracking(self) -> Tracking:
        url = None if self.tracking_url is None else str(self.tracking_url)
        return Tracking(self.carrier, self.tracking_number, url)


class RefundUnitsIn(UnitsIn):
    restock: bool = Field(default=True, description="Put the units back in stock.")


class RefundIn(BaseModel):
    amount: Decimal | None = Field(default=None, gt=0, le=MAX_AMOUNT)
    lines: list[RefundUnitsIn] | None = Field(default=None, min_length=1, max_length=500)
    reason: str = Field(default="", max_length=500)
    shipping: bool = Field(
        default=False,
        description="Also give back the order's shipping (once), with or without lines.",
    )

    @model_validator(mode="after")
    def _one_of(self) -> RefundIn:
        if (self.amount is None) == (self.lines is None and not self.shipping):
            raise ValueError("give either amount, or lines and/or shipping")
        return self

    def units(self) -> list[RefundUnits] | None:
        if self.lines is None:
            return None
        return [RefundUnits(u.product_id, u.quantity, u.restock) for u in self.lines]


class RefundLineOut(BaseModel):
    product_id: int
    quantity: int
    restock: bool


class RefundOut(BaseModel):
    id: int
    amount: float
    status: Literal["pending", "succeeded", "failed"] = Field(
        description="failed: the provider refused or could not be reached; retried, or at once "
        "with POST …/retry."
    )
    lines: list[RefundLineOut]
    reason: str
    payment_id: str
    provider_refund_id: str | None
    attempts: int
    last_error: str | None
    created_at: str


class CancelOut(BaseModel):
    order_id: str
    status: Literal["cancelled"]
    refund: RefundOut | None


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class StaffEventOut(BaseModel):
    at: str
    kind: str
    actor: str
    message: str
    public: bool
    data: dict[str, Any] | None


class StaffOrder(OrderOut):
    items: list[StaffOrderItem]  # type: ignore[assignment]
    payments: list[PaymentRecord] = Field(description="Payment callbacks received, oldest first.")
    refunds: list[RefundOut] = Field(description="Refunds asked of the provider, oldest first.")
    history: list[StaffEventOut] = Field(  # type: ignore[assignment]
        description="Every event, public or internal, oldest first."
    )
    notes: list[StaffEventOut] = Field(description="Staff notes (internal), oldest first.")
