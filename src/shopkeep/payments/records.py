"""The store's record of an order's payments at the provider: the hosted payment it started
(one open at a time), the charges reported to it, what was refunded of each.

Cancelling an open payment is a call to the provider, so it is a job written here, in the
transaction that made the payment pointless, and done after the commit (`cancellations`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shopkeep.db import Tx, utcnow
from shopkeep.payments.models import (
    CANCELLED,
    FAILED,
    OPEN,
    PAID,
    PARTIALLY_REFUNDED,
    REFUNDED,
    Payment,
    PaymentCancellation,
)

__all__ = ["FAILED", "PAID"]

# Charges: payments whose money the provider took (some of it may have been refunded since).
CHARGED = (PAID, PARTIALLY_REFUNDED, REFUNDED)


@dataclass(frozen=True, slots=True)
class OpenPayment:
    payment_id: str
    amount_cents: int
    checkout_url: str | None


def _insert(tx: Tx) -> Any:
    """The dialect's INSERT, which has ON CONFLICT."""
    return pg_insert if tx.dialect == "postgresql" else sqlite_insert


async def open_payment(tx: Tx, order_id: str) -> OpenPayment | None:
    row = (
        await tx.execute(
            select(Payment.id, Payment.amount_cents, Payment.checkout_url)
            .where(Payment.order_id == order_id, Payment.status == OPEN)
            .order_by(Payment.created_at)
            .limit(1)
        )
    ).first()
    return None if row is None else OpenPayment(row.id, row.amount_cents, row.checkout_url)


async def record_hosted(
    tx: Tx, order_id: str, payment_id: str, amount_cents: int, currency: str, checkout_url: str
) -> None:
    """A hosted payment the store started (recorded once, however often it is started)."""
    now = utcnow()
    await tx.execute(
        _insert(tx)(Payment)
        .values(
            id=payment_id,
            order_id=order_id,
            amount_cents=amount_cents,
            currency=currency,
            status=OPEN,
            checkout_url=checkout_url,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=[Payment.id])
    )


async def record_result(
    tx: Tx, order_id: str, payment_id: str, amount_cents: int, status: str
) -> None:
    """What the provider reported of a payment (`paid` or `failed`), started here or not."""
    now = utcnow()
    statement = _insert(tx)(Payment).values(
        id=payment_id,
        order_id=order_id,
        amount_cents=amount_cents,
        currency="USD",
        status=status,
        created_at=now,
        updated_at=now,
    )
    await tx.execute(
        statement.on_conflict_do_update(
            index_elements=[Payment.id],
            set_={"status": status, "amount_cents": amount_cents, "updated_at": now},
        )
    )


async def cancel_open_payments(tx: Tx, order_id: str, *, keep: str | None = None) -> int:
    """Mark the order's open payments (but `keep`) cancelled and write the job that cancels
    each at the provider after the commit. Returns how many."""
    query = select(Payment.id).where(Payment.order_id == order_id, Payment.status == OPEN)
    if keep is not None:
        query = query.where(Payment.id != keep)
    ids = list((await tx.execute(query)).scalars())
    if not ids:
        return 0
    now = utcnow()
    await tx.execute(
        update(Payment).where(Payment.id.in_(ids)).values(status=CANCELLED, updated_at=now)
    )
    await tx.execute(
        _insert(tx)(PaymentCancellation)
        .values(
            [
                {"payment_id": i, "order_id": order_id, "next_attempt_at": now, "created_at": now}
                for i in ids
            ]
        )
        .on_conflict_do_nothing(index_elements=[PaymentCancellation.payment_id])
    )
    return len(ids)


async def add_refunded(tx: Tx, payment_id: str, amount_cents: int) -> None:
    """A refund of the payment was made: it counts, and the status says how much is left."""
    refunded = Payment.refunded_cents + amount_cents
    await tx.execute(
        update(Payment)
        .where(Payment.id == payment_id)
        .values(
            refunded_cents=refunded,
            status=case(
                (refunded >= Payment.amount_cents, REFUNDED),
                else_=PARTIALLY_REFUNDED,
            ),
            updated_at=utcnow(),
        )
    )


async def money_of(tx: Tx, order_id: str, paid_by: str | None) -> tuple[int, int]:
    """(charged, refunded) in cents: of the payment that paid the order when there is one
    (refunds of other charges are not the order's), else over every charge for it."""
    query = select(
        func.coalesce(func.sum(Payment.amount_cents), 0).label("charged"),
        func.coalesce(func.sum(Payment.refunded_cents), 0).label("refunded"),
    ).where(Payment.order_id == order_id, Payment.status.in_(CHARGED))
    if paid_by is not None:
        query = query.where(Payment.id == paid_by)
    row = (await tx.execute(query)).one()
    return int(row.charged), int(row.refunded)
