"""`POST /payments/confirm`: the payment provider's signed callback."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from shopkeep import signature
from shopkeep.errors import BadRequest, InvalidSignature, error_responses
from shopkeep.http import JSON
from shopkeep.money import to_cents
from shopkeep.payments import service
from shopkeep.payments.schemas import PaymentCallbackIn, PaymentResultOut
from shopkeep.store.deps import DatabaseDep, SettingsDep

router = APIRouter(tags=["payments"])
log = logging.getLogger(__name__)


@router.post(
    "/payments/confirm",
    response_model=PaymentResultOut,
    responses=error_responses(400, 401, 404),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PaymentCallbackIn.model_json_schema()}},
        },
        "parameters": [
            {
                "name": signature.HEADER,
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, '<t>.<raw body>')>",
            }
        ],
    },
)
async def confirm_payment(
    request: Request, database: DatabaseDep, settings: SettingsDep
) -> Response:
    """Apply a payment result sent by the payment provider (signed, idempotent)."""
    body = await request.body()
    if not settings.allow_unsigned_webhooks:
        try:
            signature.verify(
                settings.resolved_webhook_secret, body, request.headers.get(signature.HEADER)
            )
        except signature.InvalidSignature as error:
            raise InvalidSignature(str(error)) from error
    try:
        payload = PaymentCallbackIn.model_validate_json(body)
    except ValidationError as error:
        return JSON(
            {"detail": error.errors(include_url=False, include_context=False, include_input=False)},
            status_code=422,
        )
    try:
        amount_cents = to_cents(payload.amount)
    except ValueError as error:
        raise BadRequest(f"amount: {error}") from error
    callback = service.Callback(
        payment_id=payload.payment_id,
        order_id=payload.order_id,
        status=payload.status,
        amount_cents=amount_cents,
    )
    answer = await database.write(service.confirm_payment, callback)
    if answer.status_code != 200:
        log.warning("payment %s refused: %s", callback.payment_id, answer.body["detail"])
    return JSON(answer.body, status_code=answer.status_code)
