"""The sandbox's JSON API: create payments, look them up, watch their callbacks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.background import BackgroundTask

from shopkeep.errors import BadRequest, error_responses
from shopkeep.http import JSON
from shopkeep.money import as_json_number, to_cents
from shopkeep.sandbox import cards, service
from shopkeep.sandbox.deps import (
    CourierDep,
    DatabaseDep,
    SettingsDep,
    callback_url,
    checkout_url,
)
from shopkeep.sandbox.schemas import ORDER_ID_PATTERN, PaymentIn, PaymentListOut, PaymentOut

router = APIRouter(tags=["payments"])


@router.post(
    "/payments/orders",
    status_code=201,
    response_model=PaymentOut,
    responses=error_responses(400),
)
async def create_payment(
    payment: PaymentIn,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    courier: CourierDep,
) -> Response:
    """Create a payment. Without `return_url` it is charged at once with `card_number` and the
    store is called back right after this answer; with `return_url` the shopper pays on
    `checkout_url`."""
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
    background = None
    if new.return_url is None:
        try:
            number = cards.card_number(payment.card_number or cards.SUCCESS_CARD)
        except cards.CardError as error:
            raise BadRequest(error.message) from error
        payment_id, callback_id = await database.write(
            service.create_and_charge, new, number, callback_url(settings)
        )
        background = BackgroundTask(courier.deliver, callback_id)
    else:
        payment_id = await database.write(service.create_payment, new)
    view = await database.read(service.get_payment, payment_id)
    return JSON(_payment_json(request, view, None), status_code=201, background=background)


@router.get("/payments/{payment_id}", response_model=PaymentOut, responses=error_responses(404))
async def get_payment(request: Request, database: DatabaseDep, payment_id: str) -> Response:
    """A payment, with the callback it owes the store and every attempt to deliver it."""

    view = await database.read(service.get_payment, payment_id)
    record = await database.read(service.delivery_record, payment_id)
    return JSON(_payment_json(request, view, record))


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
    }
    if record is not None:
        body["callback"] = record
    return body
