"""The provider's refund callback: signed, applied once per refund id."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, ValidationError

from shopkeep.errors import BadRequest, error_responses
from shopkeep.http import JSON
from shopkeep.money import MAX_AMOUNT, to_cents
from shopkeep.orders.service import OrderNotFound
from shopkeep.payments.api import verified_body
from shopkeep.refunds import service
from shopkeep.store.deps import DatabaseDep, SettingsDep

router = APIRouter(tags=["payments"])


class RefundCallbackIn(BaseModel):
    refund_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    payment_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    order_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT)
    status: str = Field(max_length=32)


@router.post("/payments/refunds/confirm", responses=error_responses(400, 401, 404))
async def confirm_refund(
    request: Request, database: DatabaseDep, settings: SettingsDep
) -> Response:
    """Apply a refund the provider made (signed like payment callbacks); the same refund id
    delivered again changes nothing."""
    body = await verified_body(request, settings)
    try:
        payload = RefundCallbackIn.model_validate_json(body)
    except ValidationError as error:
        return JSON(
            {"detail": error.errors(include_url=False, include_context=False, include_input=False)},
            status_code=422,
        )
    if payload.status != "succeeded":
        raise BadRequest("status must be 'succeeded'")
    try:
        amount_cents = to_cents(payload.amount)
    except ValueError as error:
        raise BadRequest(f"amount: {error}") from error

    async def apply(tx: service.Tx) -> bool:
        if not await service.order_exists(tx, payload.order_id):
            raise OrderNotFound()
        return await service.apply_refund(
            tx, payload.refund_id, payload.payment_id, payload.order_id, amount_cents
        )

    await database.write(apply)
    return JSON({"refund_id": payload.refund_id, "order_id": payload.order_id, "status": "applied"})
