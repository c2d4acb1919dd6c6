"""Payments at the store: starting one at the provider, and the provider's signed callback."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from shopkeep import signature
from shopkeep.errors import BadRequest, InvalidSignature, error_responses
from shopkeep.http import JSON, invalid_request_error
from shopkeep.money import as_json_number, to_cents
from shopkeep.payments import hosted, service
from shopkeep.payments.schemas import (
    HostedPaymentIn,
    HostedPaymentOut,
    PaymentCallbackIn,
    PaymentResultOut,
)
from shopkeep.store.deps import DatabaseDep, PaymentsDep, SettingsDep

router = APIRouter(tags=["payments"])
log = logging.getLogger(__name__)


async def verified_body(request: Request, settings: SettingsDep) -> bytes:
    """The raw body of a provider callback whose signature holds (401 otherwise)."""
    body = await request.body()
    if not settings.allow_unsigned_webhooks:
        try:
            signature.verify(
                settings.resolved_webhook_secret, body, request.headers.get(signature.HEADER)
            )
        except signature.InvalidSignature as error:
            raise InvalidSignature(str(error)) from error
    return body


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
    """Apply a payment result sent by the payment provider (signed, idempotent). A charge that
    cannot pay its order is answered 200 with `"refund": "requested"`: it is refunded in full."""
    body = await verified_body(request, settings)
    try:
        payload = PaymentCallbackIn.model_validate_json(body)
    except ValidationError as error:
        # FastAPI's own 422, as if it had parsed the body itself.
        raise invalid_request_error(error, "body", include_input=False) from error
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
    refund_jobs = getattr(request.app.state, "refund_jobs", None)
    if "refund" in answer.body and refund_jobs is not None:
        refund_jobs.kick()  # the refund is asked for now, not at the next poll
    if answer.status_code != 200:
        log.warning("payment %s refused: %s", callback.payment_id, answer.body["detail"])
    return JSON(answer.body, status_code=answer.status_code)


@router.post(
    "/orders/{order_id}/payment",
    status_code=201,
    response_model=HostedPaymentOut,
    responses=error_responses(400, 404, 502, 503),
)
async def start_payment(
    order_id: str, body: HostedPaymentIn, database: DatabaseDep, payments: PaymentsDep
) -> Response:
    """Create a payment for an order awaiting payment and return the provider's hosted page
    (`checkout_url`) to send the shopper to. The amount is the order's total. While the order
    has an open payment, that payment is returned rather than a new one."""
    payment, amount_cents = await hosted.start_hosted_payment(
        database, payments, order_id, str(body.return_url)
    )
    return JSON(
        {
            "order_id": order_id,
            "payment_id": payment.payment_id,
            "amount": as_json_number(amount_cents),
            "checkout_url": payment.checkout_url,
        },
        status_code=201,
    )
