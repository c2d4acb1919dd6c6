"""The sandbox's JSON API: create payments, cancel and refund them, look them up, watch their
callbacks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.background import BackgroundTask

from shopkeep.errors import BadRequest, error_responses
from shopkeep.http import JSON
from shopkeep.money import as_json_number, to_cents
from shopkeep.sandbox import cards, refunds, service
from shopkeep.sandbox.deps import (
    CourierDep,
    DatabaseDep,
    IdempotencyKeyDep,
    SettingsDep,
    callback_url,
    checkout_url,
    refund_callback_url,
)
from shopkeep.sandbox.schemas import (
    ORDER_ID_PATTERN,
    PaymentIn,
    PaymentListOut,
    PaymentOut,
    RefundIn,
    RefundOut,
)

router = APIRouter(tags=["payments"])


@router.post(
    "/payments/orders",
    status_code=201,
    response_model=PaymentOut,
    responses=error_responses(400, 409),
)
async def create_payment(
    payment: PaymentIn,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    courier: CourierDep,
    key: IdempotencyKeyDep,
) -> Response:
    """Create a payment. Without `return_url` it is charged at once with `card_number` and the
    store is called back right after this answer; with `return_url` the shopper pays on
    `checkout_url`. Under an `Idempotency-Key` already used for the same request, nothing is
    created or charged: the first request's payment comes back (another request: 409)."""
    try:
        amount_cents = to_cents(payment.amount)
    except ValueError as error:
        raise BadRequest(f"amount: {error}") from error
    new = service.NewPayment(
        order_id=payment.order_id,
        amount_cents=amount_cents,
        currency=payment.currency,
        return_url=str(payment.return_url) if payment.return_url else None,
    )
    number = None
    if new.return_url is None:
        try:
            number = cards.card_number(payment.card_number or cards.SUCCESS_CARD)
        except cards.CardError as error:
            raise BadRequest(error.message) from error
    payment_id, callback_id = await database.write(
        service.start_payment, new, number, callback_url(settings), key
    )
    background = None if callback_id is None else BackgroundTask(courier.deliver, callback_id)
    view = await database.read(service.get_payment, payment_id)
    return JSON(_payment_json(request, view, None), status_code=201, background=background)


@router.post(
    "/payments/{payment_id}/cancel",
    response_model=PaymentOut,
    responses=error_responses(404, 409),
)
async def cancel_payment(request: Request, database: DatabaseDep, payment_id: str) -> Response:
    """Cancel a payment that has not been paid (the merchant, server to server): its hosted
    page then says so and cannot be paid. Cancelling again is harmless; a processed payment
    is 409."""
    await database.write(service.cancel, payment_id)
    return JSON(_payment_json(request, await database.read(service.get_payment, payment_id), None))


@router.post(
    "/payments/{payment_id}/refunds",
    status_code=201,
    response_model=RefundOut,
    responses=error_responses(400, 404, 409),
)
async def refund_payment(
    payment_id: str,
    body: RefundIn,
    database: DatabaseDep,
    settings: SettingsDep,
    courier: CourierDep,
    key: IdempotencyKeyDep,
) -> Response:
    """Give back part or all of a succeeded payment; the store is told by a signed callback.
    Refunds never sum above the payment (400). Under an `Idempotency-Key` already used for the
    same request, nothing more is refunded: the first refund comes back (another request under
    the key: 409)."""
    try:
        amount_cents = to_cents(body.amount)
    except ValueError as error:
        raise BadRequest(f"amount: {error}") from error
    new = refunds.NewRefund(payment_id, amount_cents, body.reason)
    made, callback_id = await database.write(
        refunds.refund, new, refund_callback_url(settings), key
    )
    background = None if callback_id is None else BackgroundTask(courier.deliver, callback_id)
    return JSON(_refund_json(made), status_code=201, background=background)


@router.get("/payments/{payment_id}", response_model=PaymentOut, responses=error_responses(404))
async def get_payment(request: Request, database: DatabaseDep, payment_id: str) -> Response:
    """A payment, with the callback it owes the store and every attempt to deliver it."""

    view = await database.read(service.get_payment, payment_id)
    record = await database.read(service.delivery_record, payment_id)
    body = _payment_json(request, view, record)
    for refund, shown in zip(view.refunds, body["refunds"], strict=True):
        shown["callback"] = await database.read(service.refund_delivery_record, refund.id)
    return JSON(body)


@router.get("/payments", response_model=PaymentListOut)
async def list_payments(
    request: Request,
    database: DatabaseDep,
    order_id: Annotated[str, Query(pattern=ORDER_ID_PATTERN)],
) -> Response:
    """The payments made for one order, oldest first."""
    views = await database.read(service.payments_for_order, order_id)
    return JSON({"payments": [_payment_json(request, view, None) for view in views]})


def _payment_json(
    request: Request, view: service.PaymentView, record: dict[str, Any] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "payment_id": view.id,
        "order_id": view.order_id,
        "amount": as_json_number(view.amount_cents),
        "currency": view.currency,
        "status": view.status,
        "failure_code": view.failure_code,
        "failure_message": view.failure_message,
        "card_last4": view.card_last4,
        "checkout_url": checkout_url(request, view.id),
        "return_url": view.return_url,
        "created_at": view.created_at,
        "processed_at": view.processed_at,
        "amount_refunded": as_json_number(view.refunded_cents),
        "refunded": view.fully_refunded,
        "refunds": [_refund_json(refund) for refund in view.refunds],
    }
    if record is not None:
        body["callback"] = record
    return body


def _refund_json(refund: service.RefundView) -> dict[str, Any]:
    return {
        "refund_id": refund.id,
        "payment_id": refund.payment_id,
        "amount": as_json_number(refund.amount_cents),
        "reason": refund.reason,
        "status": refund.status,
        "created_at": refund.created_at,
    }
