"""Shapes of a seller's orders and sales in the API: their part of each order only."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from shopkeep.admin.schemas import FIRST_DAY, LAST_DAY
from shopkeep.catalog.schemas import MAX_PAGE
from shopkeep.fulfilment.sellers import SellerOrderQuery, SellerOrderState
from shopkeep.orders.details import ShippingAddress
from shopkeep.orders.schemas import ShipmentPublic


class SellerOrdersQuery(BaseModel):
    state: SellerOrderState = Field(
        default="to_ship",
        description="to_ship: units of your lines wait; shipped: none wait; all: both.",
    )
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=20, ge=1, le=100)

    def query(self) -> SellerOrderQuery:
        return SellerOrderQuery(state=self.state, page=self.page, page_size=self.page_size)


class SellerLine(BaseModel):
    product_id: int
    name: str
    price: float
    quantity: int
    line_total: float
    shipped: int
    put_back: int = Field(description="Units put back on the shelf (refunded or cancelled).")
    to_ship: int


class SellerShipment(ShipmentPublic):
    yours: bool = Field(
        description="Every line of it is yours (you can mark it delivered); false for a "
        "shipment staff made with other lines too (only your lines are shown)."
    )


class SellerOrder(BaseModel):
    order_id: str
    created_at: str
    name: str | None = Field(description="null for an order placed without details.")
    shipping_address: ShippingAddress | None
    note: str | None
    lines: list[SellerLine] = Field(description="Your lines only.")
    to_ship: int = Field(description="Units of your lines still to ship.")
    fulfilment_status: Literal["unfulfilled", "partially_shipped", "shipped", "delivered"] = Field(
        description="Of your part of the order."
    )
    shipments: list[SellerShipment] = Field(description="Shipments holding your lines.")


class SellerOrderPage(BaseModel):
    total: int
    state: SellerOrderState
    page: int
    page_size: int
    orders: list[SellerOrder]


class SalesQuery(BaseModel):
    created_from: date = Field(ge=FIRST_DAY, le=LAST_DAY, description="First UTC day.")
    created_to: date = Field(ge=FIRST_DAY, le=LAST_DAY, description="Last UTC day (inclusive).")

    @model_validator(mode="after")
    def _in_order(self) -> SalesQuery:
        if self.created_from > self.created_to:
            raise ValueError("created_from must not be after created_to")
        return self


class ProductSales(BaseModel):
    product_id: int
    name: str
    units_sold: int
    units_refunded: int = Field(description="Units given back by refunds of lines.")
    units: int
    revenue: float = Field(description="Net of refunds of lines.")


class SalesReport(BaseModel):
    from_: str = Field(alias="from")
    to: str
    products: list[ProductSales]
    units: int
    revenue: float
