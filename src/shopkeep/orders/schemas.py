from __future__ import annotations

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


class OrderOut(BaseModel):
    order_id: str
    cart_id: str
    items: list[OrderItemOut]
    total: float
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
