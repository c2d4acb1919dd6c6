"""Applying payment callbacks: idempotent by payment id, checked against the order total."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shopkeep.db import Tx, utcnow
from shopkeep.errors import BadRequest
from shopkeep.orders import service as orders
from shopkeep.orders.models import PAID, PENDING_PAYMENT
from shopkeep.payments import records
from shopkeep.payments.models import PaymentEvent
from shopkeep.refunds import service as refunds

SUCCESS = "success"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Callback:
    payment_id: str
    order_id: str
    status: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Answer:
    """What the store answered for a payment: given again, unchanged, on every redelivery."""

    status_code: int
    body: dict[str, Any]


def check_status(status: str) -> None:
    if status not in (SUCCESS, FAILED):
        raise BadRequest("status must be either 'success' or 'failed'")


async def confirm_payment(tx: Tx, callback: Callback) -> Answer:
    """Apply a verified callback once; a repeated `payment_id` gets the first answer back."""
    check_status(callback.status)
    if not await _claim(tx, callback):
        stored = (
            await tx.execute(
                select(PaymentEvent.response_status, PaymentEvent.response_body).where(
                    PaymentEvent.payment_id == callback.payment_id
                )
            )
        ).one()
        return Answer(stored.response_status, orjson.loads(stored.response_body))

    answer = await _apply(tx, callback)
    await tx.execute(
        update(PaymentEvent)
        .where(PaymentEvent.payment_id == callback.payment_id)
        .values(
            response_status=answer.status_code, response_body=orjson.dumps(answer.body).decode()
        )
    )
    return answer


async def _claim(tx: Tx, callback: Callback) -> bool:
    """Insert the payment into the inbox unless it is there; True when this call inserted it.

    On PostgreSQL a concurrent duplicate waits for the first insert's transaction, then finds
    the row; on SQLite writers are already serialized.
    """
    dialect_insert = pg_insert if tx.dialect == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(PaymentEvent)
        .values(
            payment_id=callback.payment_id,
            order_id=callback.order_id,
            status=callback.status,
            amount_cents=callback.amount_cents,
            response_status=0,
            response_body="",
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[PaymentEvent.payment_id])
    )
    result = await tx.execute(statement)
    return bool(result.rowcount)


async def _apply(tx: Tx, callback: Callback) -> Answer:
    order = await orders.order_for_payment(tx, callback.order_id)
    if order is None:
        # Not recorded: the whole transaction rolls back, inbox row included.
        raise orders.OrderNotFound()
    status, total_cents, paid_by = order
    if callback.status == SUCCESS:
        if status == PENDING_PAYMENT and callback.amount_cents == total_cents:
            await records.record_result(
                tx, callback.order_id, callback.payment_id, callback.amount_cents, records.PAID
            )
            await orders.mark_paid(tx, callback.order_id, callback.payment_id)
            return _settled(callback, "paid", "Payment confirmed. Stock updated.")
        if status == PAID and paid_by == callback.payment_id:
            return _settled(callback, "paid", "Payment confirmed. Stock updated.")
        # Money was taken that cannot pay this order: it goes back, in full.
        why = "amount" if status == PENDING_PAYMENT else status
        await refunds.refund_unapplied_payment(
            tx, callback.order_id, callback.payment_id, callback.amount_cents, why
        )
        return Answer(200, _refunding(callback, status, why, total_cents))
    if status != PENDING_PAYMENT:
        return Answer(400, {"detail": orders.OrderAlreadyProcessed(status).detail})
    if callback.amount_cents != total_cents:
        return Answer(400, {"detail": _mismatch(callback.amount_cents, total_cents)})
    await records.record_result(
        tx, callback.order_id, callback.payment_id, callback.amount_cents, records.FAILED
    )
    await orders.mark_payment_failed(tx, callback.order_id, callback.payment_id)
    return _settled(callback, "payment_failed", "Payment failed. Order not fulfilled.")


def _mismatch(paid_cents: int, total_cents: int) -> str:
    return (
        f"Amount paid ({_amount(paid_cents)}) does not match the order "
        f"total ({_amount(total_cents)})."
    )


def _refunding(callback: Callback, status: str, why: str, total_cents: int) -> dict[str, Any]:
    """The definitive answer to a charge that cannot pay its order: 200, so the provider
    stops retrying, naming the order's status and the refund under way."""
    reason = (
        _mismatch(callback.amount_cents, total_cents)
        if why == "amount"
        else orders.OrderAlreadyProcessed(status).detail + "."
    )
    return {
        "order_id": callback.order_id,
        "status": status,
        "message": f"Payment not applied: {reason} The full amount is being refunded.",
        "refund": "requested",
    }


def _settled(callback: Callback, status: str, message: str) -> Answer:
    return Answer(200, {"order_id": callback.order_id, "status": status, "message": message})


def _amount(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"
