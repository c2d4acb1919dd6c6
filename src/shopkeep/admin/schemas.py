"""Request and response shapes of the back office's API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from shopkeep.admin.orders import OrderFilter
from shopkeep.catalog.schemas import MAX_PAGE
from shopkeep.orders.schemas import OrderItemOut, OrderOut

OrderStatus = Literal["pending_payment", "paid", "payment_failed", "expired", "cancelled"]
# Days far enough from the calendar's end that the day after the last is still a date.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 12, 30)


class OrderFilters(BaseModel):
    """Every filter is optional; together they narrow the list."""

    status: OrderStatus | None = Field(default=None, description="The order's status.")
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Search: the start of an order id (any case).",
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
    created_at: str
    updated_at: str


class OrderPage(BaseModel):
    total: int
    page: int
    page_size: int
    orders: list[OrderSummary]


class StaffOrderItem(OrderItemOut):
    seller_id: int | None = Field(description="null: the shop's own catalog.")
    stock_now: int = Field(description="The product's stock on the shelf now.")
    product_deleted: bool


class PaymentRecord(BaseModel):
    payment_id: str
    status: str
    amount: float
    received_at: str


class StaffOrder(OrderOut):
    items: list[StaffOrderItem]  # type: ignore[assignment]
    payments: list[PaymentRecord] = Field(description="Payment callbacks received, oldest first.")


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


class Dashboard(BaseModel):
    today: Sales
    last_7_days: Sales = Field(description="Today and the 6 UTC days before it.")
    waiting_to_ship: int = Field(description="Paid orders (every paid order, until shipments).")
    low_stock_total: int = Field(description="Products at or below their low-stock threshold.")
    low_stock: list[LowStockProduct] = Field(description="The lowest first, at most 20.")
