from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

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
