"""What the sandbox's JSON API takes and gives."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, Field

from shopkeep.money import MAX_AMOUNT

ORDER_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"


class PaymentIn(BaseModel):
    order_id: str = Field(pattern=ORDER_ID_PATTERN, description="The merchant's order id.")
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT, description="The amount to charge, e.g. 89.99.")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    card_number: str | None = Field(
        default=None,
        max_length=40,
        description="Charged at once when there is no return_url (default: 4242 4242 4242 4242).",
    )
    return_url: AnyHttpUrl | None = Field(
        default=None,
        description="Where the hosted page sends the shopper back; the payment then waits "
        "for a card on checkout_url.",
    )


class DeliveryOut(BaseModel):
    number: int
    at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    outcome: Literal["delivered", "retry", "abandoned"]


class CallbackOut(BaseModel):
    url: str
    state: Literal["pending", "delivered", "abandoned"]
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    deliveries: list[DeliveryOut]


class RefundIn(BaseModel):
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT, description="The amount to give back, e.g. 10.")
    reason: str | None = Field(default=None, max_length=500)


class RefundOut(BaseModel):
    refund_id: str
    payment_id: str
    amount: float
    reason: str | None = None
    status: Literal["succeeded"]
    created_at: datetime
    callback: CallbackOut | None = None


class PaymentOut(BaseModel):
    payment_id: str
    order_id: str
    amount: float
    currency: str
    status: Literal["requires_payment_method", "succeeded", "failed", "cancelled"]
    failure_code: str | None = None
    failure_message: str | None = None
    card_last4: str | None = None
    checkout_url: str
    return_url: str | None = None
    created_at: datetime
    processed_at: datetime | None = None
    amount_refunded: float = Field(description="The sum of the payment's refunds.")
    refunded: bool = Field(description="True once the whole amount has been refunded.")
    refunds: list[RefundOut] = []
    callback: CallbackOut | None = None


class PaymentListOut(BaseModel):
    payments: list[PaymentOut]
