"""Payment rules of the sandbox: create, charge a card once, record the callback it owes,
cancel an unpaid payment."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select, update

from shopkeep.db import Tx, utcnow
from shopkeep.errors import Conflict, NotFound
from shopkeep.money import as_json_number
from shopkeep.sandbox import cards, idempotency
from shopkeep.sandbox.models import (
    CANCELLED,
    FAILED,
    PENDING,
    REQUIRES_PAYMENT_METHOD,
    SUCCEEDED,
    Callback,
    DeliveryAttempt,
    Payment,
    Refund,
)
from shopkeep.sandbox.outbox import owe_callback

ID_PREFIX = "pay_"
MAX_LISTED = 100


class PaymentNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Payment not found")


class PaymentAlreadyProcessed(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(
            f"This payment was already processed (status: {status}) and cannot be cancelled."
        )


@dataclass(frozen=True, slots=True)
class NewPayment:
    order_id: str
    amount_cents: int
    currency: str
    return_url: str | None


def new_payment_id() -> str:
    """`pay_` and 128 random bits: the hosted page's address must not be guessable."""
    return ID_PREFIX + secrets.token_hex(16)


def is_payment_id(value: str) -> bool:
    digits = value.removeprefix(ID_PREFIX)
    return (
        value.startswith(ID_PREFIX)
        and len(digits) == 32
        and all(c in "0123456789abcdef" for c in digits)
    )


async def create_payment(tx: Tx, payment: NewPayment, payment_id: str | None = None) -> str:
    payment_id = payment_id or new_payment_id()
    await tx.execute(
        insert(Payment).values(
            id=payment_id,
            order_id=payment.order_id,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            status=REQUIRES_PAYMENT_METHOD,
            return_url=payment.return_url,
            created_at=utcnow(),
        )
    )
    return payment_id


async def pay(tx: Tx, payment_id: str, card_number: str, callback_url: str) -> int | None:
    """Charge `card_number` (already checked) for a payment awaiting one, and write the
    callback the store is owed in the same transaction. Returns the callback's id, or None
    when the payment had already been processed (a double submit charges nothing)."""
    outcome = cards.charge(card_number)
    now = utcnow()
    charged = await tx.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == REQUIRES_PAYMENT_METHOD)
        .values(
            status=SUCCEEDED if outcome.succeeded else FAILED,
            failure_code=outcome.failure_code,
            card_last4=card_number[-4:],
            processed_at=now,
        )
    )
    if charged.rowcount != 1:
        if await _payment_row(tx, payment_id) is None:
            raise PaymentNotFound()
        return None
    row = await _payment_row(tx, payment_id)
    assert row is not None
    body = orjson.dumps(
        {
            "payment_id": payment_id,
            "order_id": row.order_id,
            "amount": as_json_number(row.amount_cents),
            "status": "success" if outcome.succeeded else "failed",
        }
    ).decode()
    return await owe_callback(tx, payment_id=payment_id, url=callback_url, body=body, now=now)


async def create_and_charge(
    tx: Tx, payment: NewPayment, card_number: str, callback_url: str
) -> tuple[str, int]:
    """A payment charged at once (an API client without a hosted page): its id and the id of
    the callback it owes."""
    payment_id = await create_payment(tx, payment)
    callback_id = await pay(tx, payment_id, card_number, callback_url)
    assert callback_id is not None
    return payment_id, callback_id


async def start_payment(
    tx: Tx,
    payment: NewPayment,
    card_number: str | None,
    callback_url: str,
    idempotency_key: str | None,
) -> tuple[str, int | None]:
    """Create a payment (charged at once when a card is given): its id, and the id of the
    callback to send now, if any. A request repeated under its `idempotency_key` creates and
    charges nothing: it gets the first request's payment back."""
    payment_id = new_payment_id()
    if idempotency_key is not None:
        request = {
            "order_id": payment.order_id,
            "amount_cents": payment.amount_cents,
            "currency": payment.currency,
            "return_url": payment.return_url,
            "card_number": card_number,
        }
        first = await idempotency.claim(
            tx, "payment", idempotency_key, idempotency.digest(request), payment_id
        )
        if first is not None:
            return first, None
    if card_number is None:
        return await create_payment(tx, payment, payment_id), None
    await create_payment(tx, payment, payment_id)
    return payment_id, await pay(tx, payment_id, card_number, callback_url)


async def cancel(tx: Tx, payment_id: str) -> None:
    """The merchant calls off a payment nobody has paid: its page can no longer be paid.
    Cancelling twice is harmless; a processed payment cannot be cancelled."""
    if not is_payment_id(payment_id):
        raise PaymentNotFound()
    await tx.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == REQUIRES_PAYMENT_METHOD)
        .values(status=CANCELLED, processed_at=utcnow())
    )
    row = await _payment_row(tx, payment_id)
    if row is None:
        raise PaymentNotFound()
    if row.status != CANCELLED:
        raise PaymentAlreadyProcessed(row.status)


async def _payment_row(tx: Tx, payment_id: str) -> Any:
    return (await tx.execute(select(Payment).where(Payment.id == payment_id))).first()


@dataclass(frozen=True, slots=True)
class PaymentView:
    """A payment as the API and the hosted page show it."""

    id: str
    order_id: str
    amount_cents: int
    currency: str
    status: str
    failure_code: str | None
    card_last4: str | None
    return_url: str | None
    created_at: datetime
    processed_at: datetime | None
    refunds: tuple[RefundView, ...] = ()

    @property
    def failure_message(self) -> str | None:
        return cards.DECLINE_MESSAGES.get(self.failure_code or "")

    @property
    def refunded_cents(self) -> int:
        return sum(refund.amount_cents for refund in self.refunds)

    @property
    def fully_refunded(self) -> bool:
        return self.status == SUCCEEDED and self.refunded_cents >= self.amount_cents


@dataclass(frozen=True, slots=True)
class RefundView:
    id: str
    payment_id: str
    amount_cents: int
    reason: str | None
    status: str
    created_at: datetime


def refund_view(row: Any) -> RefundView:
    return RefundView(
        id=row.id,
        payment_id=row.payment_id,
        amount_cents=row.amount_cents,
        reason=row.reason,
        status=row.status,
        created_at=row.created_at,
    )


def _view(row: Any, refunds: tuple[RefundView, ...] = ()) -> PaymentView:
    return PaymentView(
        id=row.id,
        order_id=row.order_id,
        amount_cents=row.amount_cents,
        currency=row.currency,
        status=row.status,
        failure_code=row.failure_code,
        card_last4=row.card_last4,
        return_url=row.return_url,
        created_at=row.created_at,
        processed_at=row.processed_at,
        refunds=refunds,
    )


async def _refunds_of(tx: Tx, payment_ids: list[str]) -> dict[str, tuple[RefundView, ...]]:
    if not payment_ids:
        return {}
    rows = await tx.execute(
        select(Refund)
        .where(Refund.payment_id.in_(payment_ids))
        .order_by(Refund.created_at, Refund.id)
    )
    found: dict[str, list[RefundView]] = {}
    for row in rows:
        found.setdefault(row.payment_id, []).append(refund_view(row))
    return {payment_id: tuple(refunds) for payment_id, refunds in found.items()}


async def get_payment(tx: Tx, payment_id: str) -> PaymentView:
    row = await _payment_row(tx, payment_id) if is_payment_id(payment_id) else None
    if row is None:
        raise PaymentNotFound()
    refunds = await _refunds_of(tx, [row.id])
    return _view(row, refunds.get(row.id, ()))


async def payments_for_order(tx: Tx, order_id: str) -> list[PaymentView]:
    rows = (
        await tx.execute(
            select(Payment)
            .where(Payment.order_id == order_id)
            .order_by(Payment.created_at, Payment.id)
            .limit(MAX_LISTED)
        )
    ).all()
    refunds = await _refunds_of(tx, [row.id for row in rows])
    return [_view(row, refunds.get(row.id, ())) for row in rows]


async def delivery_record(tx: Tx, payment_id: str) -> dict[str, Any] | None:
    """The callback reporting a payment's result and every attempt to deliver it, or None."""
    return await _delivery(tx, Callback.payment_id == payment_id, Callback.refund_id.is_(None))


async def refund_delivery_record(tx: Tx, refund_id: str) -> dict[str, Any] | None:
    """The callback reporting a refund and every attempt to deliver it."""
    return await _delivery(tx, Callback.refund_id == refund_id)


async def _delivery(tx: Tx, *which: Any) -> dict[str, Any] | None:
    callback = (await tx.execute(select(Callback).where(*which))).first()
    if callback is None:
        return None
    attempts = await tx.execute(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.callback_id == callback.id)
        .order_by(DeliveryAttempt.number)
    )
    return {
        "url": callback.url,
        "state": callback.state,
        "attempts": callback.attempts,
        "next_attempt_at": callback.next_attempt_at if callback.state == PENDING else None,
        "delivered_at": callback.finished_at,
        "deliveries": [
            {
                "number": a.number,
                "at": a.started_at,
                "duration_ms": a.duration_ms,
                "status_code": a.status_code,
                "error": a.error,
                "outcome": a.outcome,
            }
            for a in attempts
        ],
    }
