from __future__ import annotations

from decimal import Decimal

from pydantic import AnyHttpUrl, BaseModel, Field

from shopkeep.money import MAX_AMOUNT


class PaymentCallbackIn(BaseModel):
    payment_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    order_id: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00]*$")
    amount: Decimal = Field(ge=0, le=MAX_AMOUNT, description="The amount paid, e.g. 179.98.")
    status: str = Field(max_length=32, description="'success' or 'failed'.")


class PaymentResultOut(BaseModel):
    order_id: str
    status: str
    message: str


class HostedPaymentIn(BaseModel):
    return_url: AnyHttpUrl = Field(
        description="Where the provider's page sends the shopper back, with `payment_id`, "
        "`order_id` and `status` added to its query string."
    )


class HostedPaymentOut(BaseModel):
    order_id: str
    payment_id: str
    amount: float
    checkout_url: str
