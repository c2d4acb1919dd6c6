"""Reconciliation: a charge either pays its order or is refunded, in full, automatically, once.

A successful payment that cannot pay its order (the order expired, was replaced, was already
paid by another payment, failed after a decline on another page, or the amount differs from
its total) is recorded on the order, which is marked for attention, and a refund job is
written in the same transaction. The job asks the provider for the refund after the commit,
under an idempotency key derived from the payment id, and is retried until it succeeds. The
provider's refund is then applied once (`apply_refund`), whichever of its callback and the
job's own answer comes first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shopkeep.db import Database, Tx, utcnow

__all__ = ["Tx", "apply_refund", "refund_unapplied_payment"]
from shopkeep.jobs import Work
from shopkeep.mail import service as mail
from shopkeep.money import display
from shopkeep.orders import events
from shopkeep.orders.models import Order
from shopkeep.payments import records
from shopkeep.payments.client import PaymentsClient
from shopkeep.refunds.models import AppliedRefund, Refund

REFUNDS = cast(Table, Refund.__table__)

# Why a charge could not pay its order, as the shopper reads it.
WHY = {
    "expired": "Your payment arrived after the order expired",
    "cancelled": "Your payment arrived after the order was replaced by a newer checkout",
    "paid": "Your payment arrived for an order that another payment had already paid",
    "payment_failed": "Your payment arrived after an earlier payment for this order was declined",
    "amount": "Your payment did not match the order total",
}
UNAPPLIED = "payment_not_applied"
RECONCILE_PREFIX = "reconcile-"
REFUNDED = "refunded"


def reconciliation_key(payment_id: str) -> str:
    """The idempotency key of the full refund of a charge that could not pay its order."""
    return RECONCILE_PREFIX + payment_id


async def refund_unapplied_payment(
    tx: Tx, order_id: str, payment_id: str, amount_cents: int, why: str
) -> None:
    """Record a charge that cannot pay the order and write the job that refunds it in full."""
    await records.record_result(tx, order_id, payment_id, amount_cents, records.PAID)
    await tx.execute(update(Order).where(Order.id == order_id).values(needs_attention=True))
    await events.record(
        tx,
        order_id,
        UNAPPLIED,
        f"{WHY[why]} ({display(amount_cents)}); it is being refunded in full.",
        actor=events.PROVIDER,
        data={"payment_id": payment_id, "amount_cents": amount_cents, "why": why},
    )
    now = utcnow()
    insert = pg_insert if tx.dialect == "postgresql" else sqlite_insert
    await tx.execute(
        insert(Refund)
        .values(
            order_id=order_id,
            payment_id=payment_id,
            amount_cents=amount_cents,
            reason=why,
            idempotency_key=reconciliation_key(payment_id),
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[Refund.idempotency_key])
    )


async def apply_refund(
    tx: Tx, refund_id: str, payment_id: str, order_id: str, amount_cents: int
) -> bool:
    """Apply a refund the provider made, once per refund id: the payment's refunded amount
    grows and the order's history says so. True when this call applied it (the place to tell
    the customer)."""
    insert = pg_insert if tx.dialect == "postgresql" else sqlite_insert
    applied = await tx.execute(
        insert(AppliedRefund)
        .values(
            refund_id=refund_id,
            payment_id=payment_id,
            order_id=order_id,
            amount_cents=amount_cents,
            applied_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[AppliedRefund.refund_id])
    )
    if not applied.rowcount:
        return False
    await records.add_refunded(tx, payment_id, amount_cents)
    await events.record(
        tx,
        order_id,
        REFUNDED,
        f"{display(amount_cents)} was refunded to your card.",
        actor=events.PROVIDER,
        data={"refund_id": refund_id, "payment_id": payment_id, "amount_cents": amount_cents},
    )
    await mail.queue_refund_mail(
        tx, order_id, refund_id, amount_cents, reason=await _reason_of(tx, payment_id)
    )
    return True


async def _reason_of(tx: Tx, payment_id: str) -> str | None:
    """Why the store asked for the refund of `payment_id`, in the customer's words (None for a
    refund the store did not ask for itself)."""
    reason = await tx.scalar(
        select(Refund.reason)
        .where(Refund.payment_id == payment_id)
        .order_by(Refund.created_at.desc())
        .limit(1)
    )
    return None if reason is None else WHY.get(reason)


async def order_exists(tx: Tx, order_id: str) -> bool:
    return bool(await tx.scalar(select(Order.id).where(Order.id == order_id)))


async def money_note(tx: Tx, order_id: str) -> str | None:
    """What happened to money that could not pay the order, in a sentence, or None."""
    asked = (
        await tx.execute(
            select(Refund.reason, Refund.payment_id, Refund.amount_cents)
            .where(Refund.order_id == order_id, Refund.idempotency_key.startswith(RECONCILE_PREFIX))
            .order_by(Refund.created_at, Refund.id)
        )
    ).all()
    if not asked:
        return None
    given = await tx.scalar(
        select(func.coalesce(func.sum(AppliedRefund.amount_cents), 0)).where(
            AppliedRefund.payment_id.in_([row.payment_id for row in asked])
        )
    )
    done = int(given) >= sum(row.amount_cents for row in asked)
    why = WHY.get(asked[-1].reason, "A payment could not be applied to this order")
    return f"{why}; " + (
        "it has been refunded in full." if done else "it is being refunded in full."
    )


def refund_work(database: Database, provider: PaymentsClient) -> Work:
    """The work of one refund job: ask the provider (idempotently), then apply its refund."""

    async def work(row: Mapping[str, Any]) -> Mapping[str, Any]:
        refund_id = await provider.refund(
            payment_id=row["payment_id"],
            amount_cents=row["amount_cents"],
            reason=row["reason"],
            idempotency_key=row["idempotency_key"],
        )
        await database.write(
            apply_refund, refund_id, row["payment_id"], row["order_id"], row["amount_cents"]
        )
        return {"provider_refund_id": refund_id}

    return work
