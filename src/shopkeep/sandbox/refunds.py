"""Refunds at the sandbox: money given back on a succeeded payment, never more than it took.

A refund and the callback that reports it to the store are written in one transaction, like
a payment and its callback; an `Idempotency-Key` makes a repeated request refund nothing more.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import orjson
from sqlalchemy import func, insert, select

from shopkeep.db import Tx, utcnow
from shopkeep.errors import BadRequest
from shopkeep.money import as_json_number, display
from shopkeep.sandbox import idempotency
from shopkeep.sandbox.models import SUCCEEDED, Payment, Refund
from shopkeep.sandbox.outbox import owe_callback
from shopkeep.sandbox.service import PaymentNotFound, RefundView, is_payment_id, refund_view

ID_PREFIX = "re_"
# A refund is final in the sandbox the moment it is made.
REFUND_SUCCEEDED = "succeeded"


class NotRefundable(BadRequest):
    def __init__(self, status: str) -> None:
        super().__init__(f"Only a succeeded payment can be refunded (this one is {status}).")


class RefundTooLarge(BadRequest):
    def __init__(self, amount: str, left: str) -> None:
        super().__init__(
            f"A refund of {amount} is more than what is left to refund on this payment ({left})."
        )


@dataclass(frozen=True, slots=True)
class NewRefund:
    payment_id: str
    amount_cents: int
    reason: str | None


async def refund(
    tx: Tx, new: NewRefund, callback_url: str, idempotency_key: str | None
) -> tuple[RefundView, int | None]:
    """Refund part or all of a succeeded payment: the refund, and the id of the callback to
    send now (None when the key's first request already made this refund)."""
    if not is_payment_id(new.payment_id):
        raise PaymentNotFound()
    refund_id = ID_PREFIX + secrets.token_hex(16)
    if idempotency_key is not None:
        request = {"amount_cents": new.amount_cents, "reason": new.reason}
        first = await idempotency.claim(
            tx,
            f"refund:{new.payment_id}",
            idempotency_key,
            idempotency.digest(request),
            refund_id,
        )
        if first is not None:
            row = (await tx.execute(select(Refund).where(Refund.id == first))).one()
            return refund_view(row), None

    # Locked until commit, so refunds racing under different keys add up one after another.
    payment = (
        await tx.execute(select(Payment).where(Payment.id == new.payment_id).with_for_update())
    ).first()
    if payment is None:
        raise PaymentNotFound()
    if payment.status != SUCCEEDED:
        raise NotRefundable(payment.status)
    refunded = await tx.scalar(
        select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
            Refund.payment_id == new.payment_id
        )
    )
    left = payment.amount_cents - int(refunded)
    if new.amount_cents > left:
        raise RefundTooLarge(
            display(new.amount_cents, payment.currency), display(left, payment.currency)
        )
    now = utcnow()
    await tx.execute(
        insert(Refund).values(
            id=refund_id,
            payment_id=new.payment_id,
            amount_cents=new.amount_cents,
            reason=new.reason,
            status=REFUND_SUCCEEDED,
            created_at=now,
        )
    )
    body = orjson.dumps(
        {
            "refund_id": refund_id,
            "payment_id": new.payment_id,
            "order_id": payment.order_id,
            "amount": as_json_number(new.amount_cents),
            "status": REFUND_SUCCEEDED,
        }
    ).decode()
    callback_id = await owe_callback(
        tx,
        payment_id=new.payment_id,
        refund_id=refund_id,
        url=callback_url,
        body=body,
        now=now,
    )
    row = (await tx.execute(select(Refund).where(Refund.id == refund_id))).one()
    return refund_view(row), callback_id
