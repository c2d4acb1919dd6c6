from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shopkeep.orders.details import ShippingAddress


class CheckoutOut(BaseModel):
    order_id: str
    total: float
    message: str


class OrderItemOut(BaseModel):
    product_id: int
    name: str
    price: float
    quantity: int
    line_total: float


class OrderLineOut(OrderItemOut):
    discount: float = Field(
        description="The line's share of the order's discount: the line cost line_total - this."
    )


class OrderEventOut(BaseModel):
    at: str
    kind: str
    actor: str
    message: str


class ShippedUnits(BaseModel):
    product_id: int
    name: str
    quantity: int


class ShipmentPublic(BaseModel):
    id: int
    lines: list[ShippedUnits]
    carrier: str
    tracking_number: str
    tracking_url: str | None
    status: Literal["shipped", "delivered"]
    shipped_at: str
    delivered_at: str | None


class OrderOut(BaseModel):
    order_id: str
    cart_id: str
    items: list[OrderLineOut]
    total: float = Field(description="subtotal - discount + shipping: what the payment is for.")
    subtotal: float
    discount: float
    shipping: float
    discount_code: str | None
    shipping_method: str | None = Field(description="The method's code; null: no shipping line.")
    shipping_name: str | None
    currency: str
    status: str
    created_at: str
    updated_at: str
    expires_at: str
    payment_id: str | None
    email: str | None = Field(description="null for an order placed without details.")
    name: str | None
    shipping_address: ShippingAddress | None
    note: str | None
    refunded: float = Field(description="What was given back of the order's payments.")
    payment_status: Literal["unpaid", "paid", "partially_refunded", "refunded"]
    needs_attention: bool = Field(
        description="Money arrived that could not pay the order (it is refunded automatically)."
    )
    fulfilment_status: Literal["unfulfilled", "partially_shipped", "shipped", "delivered"]
    shipments: list[ShipmentPublic] = Field(description="What was sent, oldest first.")
    history: list[OrderEventOut] = Field(description="The order's public events, oldest first.")
