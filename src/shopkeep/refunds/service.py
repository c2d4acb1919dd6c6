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
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shopkeep import jobs
from shopkeep.catalog.models import Product
from shopkeep.db import Database, Tx, utcnow
from shopkeep.errors import BadRequest, NotFound
from shopkeep.fulfilment.service import locked_status, not_on_order, order_lines

__all__ = ["Tx", "apply_refund", "refund_unapplied_payment"]
from shopkeep.inventory import service as inventory
from shopkeep.inventory.models import RESTOCK
from shopkeep.jobs import Work
from shopkeep.mail import service as mail
from shopkeep.money import as_json_number, display
from shopkeep.orders import events
from shopkeep.orders.models import CANCELLED, PAID, Order, OrderEvent, OrderLine
from shopkeep.payments import records
from shopkeep.payments.client import PaymentsClient
from shopkeep.pricing.totals import refund_of_units
from shopkeep.refunds.models import AppliedRefund, Refund, RefundLine

REFUNDS = cast(Table, Refund.__table__)

# Why a charge could not pay its order, as the shopper reads it.
WHY = {
    "expired": "Your payment arrived after the order expired",
    "cancelled": "Your payment arrived after the order was replaced by a newer checkout",
    "cancelled_by_shop": "Your payment arrived after the shop had cancelled the order",
    "paid": "Your payment arrived for an order that another payment had already paid",
    "payment_failed": "Your payment arrived after an earlier payment for this order was declined",
    "amount": "Your payment did not match the order total",
    "order_cancelled": "Your order was cancelled",
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
    if why == CANCELLED:
        why = await _how_cancelled(tx, order_id)
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


async def _how_cancelled(tx: Tx, order_id: str) -> str:
    """`cancelled_by_shop` when staff cancelled the order; `cancelled` when a newer checkout
    of its cart replaced it (the system's doing)."""
    actor = await tx.scalar(
        select(OrderEvent.actor)
        .where(OrderEvent.order_id == order_id, OrderEvent.kind == CANCELLED)
        .order_by(OrderEvent.id.desc())
        .limit(1)
    )
    return CANCELLED if actor in (None, events.SYSTEM) else "cancelled_by_shop"


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
    return None if reason is None else (WHY.get(reason, reason) or None)


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


# Refunds staff ask for: an amount, or units of lines (some put back on the shelf).

STAFF_PREFIX = "staff-"
CANCEL_PREFIX = "cancel-"
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


class RefundNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Refund not found")


@dataclass(frozen=True, slots=True)
class RefundUnits:
    product_id: int
    quantity: int
    restock: bool


def staff_key(order_id: str, key: str) -> str:
    """The stored idempotency key of a refund staff asked for under `key` (per order)."""
    return f"{STAFF_PREFIX}{order_id}-{key}"


async def refundable(tx: Tx, order_id: str, payment_id: str) -> int:
    """What is left to refund of the payment, in cents: charged - refunded, where refunds
    asked for but not yet made count as made."""
    charged, applied = await records.money_of(tx, order_id, payment_id)
    asked = await tx.scalar(
        select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
            Refund.payment_id == payment_id
        )
    )
    return charged - max(applied, int(asked or 0))


async def units_refunded(tx: Tx, order_id: str) -> dict[int, int]:
    """`{product_id: units}` the order's line refunds have given back so far (asked for or
    made: a refund under way counts as made, as in `refundable`)."""
    rows = await tx.execute(
        select(RefundLine.product_id, func.sum(RefundLine.quantity).label("units"))
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(Refund.order_id == order_id)
        .group_by(RefundLine.product_id)
    )
    return {row.product_id: int(row.units) for row in rows}


def units_left_sentence(name: str, left: int, asked: int) -> str:
    if left == 0:
        return f"Every unit of '{name}' has already been refunded (asked to refund {asked})."
    unit = "unit" if left == 1 else "units"
    return (
        f"Only {left} {unit} of '{name}' {'is' if left == 1 else 'are'} left to refund on that "
        f"line (asked to refund {asked})."
    )


async def ask_refund(
    tx: Tx,
    order_id: str,
    payment_id: str,
    amount_cents: int,
    reason: str,
    key: str,
    *,
    shipping_cents: int = 0,
) -> int:
    """Write the job that refunds `amount_cents` of the payment (after the commit); its id."""
    now = utcnow()
    refund_id = await tx.scalar(
        REFUNDS.insert()
        .values(
            order_id=order_id,
            payment_id=payment_id,
            amount_cents=amount_cents,
            reason=reason,
            idempotency_key=key,
            next_attempt_at=now,
            created_at=now,
            state=jobs.WAITING,
            attempts=0,
            shipping_cents=shipping_cents,
        )
        .returning(REFUNDS.c.id)
    )
    assert refund_id is not None
    return int(refund_id)


async def refund_order(
    tx: Tx,
    order_id: str,
    key: str,
    *,
    amount_cents: int | None = None,
    lines: list[RefundUnits] | None = None,
    reason: str = "",
    actor: str,
    shipping: bool = False,
) -> dict[str, Any]:
    """Refund part of a paid order, once per `key`: the same key again (even at the same
    time) gets the first refund back and refunds nothing more. Capped at charged - refunded;
    a line's units refunded never exceed those sold, and units put back on the shelf never
    exceed those sold minus those already put back. Units of a line return what they cost
    after the order's discount (`pricing.refund_of_units`), and `shipping` adds the order's
    shipping, once: refunding every line and the shipping returns the total."""
    status, _, payment_id = await locked_status(tx, order_id)
    # After the lock: a request with the same key that held it before us has committed.
    stored = staff_key(order_id, key)
    existing = await tx.scalar(select(Refund.id).where(Refund.idempotency_key == stored))
    if existing is not None:
        return await refund_json(tx, order_id, existing)
    if status != PAID or payment_id is None:
        raise BadRequest(
            f"Only an order paid through the provider can be refunded (this one is {status})."
        )
    held = await order_lines(tx, order_id)
    if lines is not None:
        # Under the order's lock: a line refund that held it before us is counted here.
        refunded = await units_refunded(tx, order_id)
        amount_cents = 0
        seen: set[int] = set()
        for units in lines:
            if units.product_id not in held:
                raise not_on_order(units.product_id)
            if units.product_id in seen:
                raise BadRequest(f"Product {units.product_id} is named twice.")
            seen.add(units.product_id)
            line = held[units.product_id]
            left_units = line.quantity - refunded.get(units.product_id, 0)
            if units.quantity > left_units:
                raise BadRequest(units_left_sentence(line.name, left_units, units.quantity))
            amount_cents += refund_of_units(
                line.unit_price_cents * line.quantity,
                line.discount_cents,
                line.quantity,
                refunded.get(units.product_id, 0),
                units.quantity,
            )
    shipping_cents = await shipping_left(tx, order_id) if shipping else 0
    amount_cents = (amount_cents or 0) + shipping_cents
    assert amount_cents is not None
    left = await refundable(tx, order_id, payment_id)
    if amount_cents > left:
        raise BadRequest(
            f"The refund ({display(amount_cents)}) is more than what is left to refund "
            f"({display(left)})."
        )
    refund_id = await ask_refund(
        tx, order_id, payment_id, amount_cents, reason, stored, shipping_cents=shipping_cents
    )
    if lines:
        await tx.execute(
            insert(RefundLine),
            [
                {
                    "refund_id": refund_id,
                    "product_id": u.product_id,
                    "quantity": u.quantity,
                    "restock": u.restock,
                }
                for u in lines
            ],
        )
        back = {u.product_id: u.quantity for u in lines if u.restock}
        if back:
            await put_back(tx, order_id, back, actor=actor, reason=reason or "Refund")
    await events.record(
        tx,
        order_id,
        "refund_requested",
        f"Refund of {display(amount_cents)} asked of the provider"
        + (f": {reason}" if reason else "."),
        actor=actor,
        public=False,
        data={"refund": refund_id, "amount_cents": amount_cents, "key": key},
    )
    return await refund_json(tx, order_id, refund_id)


async def shipping_left(tx: Tx, order_id: str) -> int:
    """The order's shipping, when no refund gave it back yet; a 400 otherwise."""
    charged = await tx.scalar(select(Order.shipping_cents).where(Order.id == order_id))
    given = await tx.scalar(
        select(func.coalesce(func.sum(Refund.shipping_cents), 0)).where(Refund.order_id == order_id)
    )
    if not charged:
        raise BadRequest("This order has no shipping to refund.")
    if int(given or 0) >= charged:
        raise BadRequest("The shipping of this order was already refunded.")
    return int(charged) - int(given or 0)


async def put_back(
    tx: Tx,
    order_id: str,
    lines: dict[int, int],
    *,
    actor: str,
    reason: str,
    kind: str = RESTOCK,
) -> None:
    """Put units of the order's lines back on the shelf (`{product_id: quantity}`), each a
    stock movement of `kind`: never more of a line than were sold minus those already put back
    (conditional updates; a 400 and nothing changed otherwise)."""
    if tx.dialect == "postgresql":
        await tx.execute(
            select(Product.id)
            .where(Product.id.in_(list(lines)))
            .order_by(Product.id)
            .with_for_update()
        )
    for product_id, quantity in sorted(lines.items()):
        counted = await tx.execute(
            update(OrderLine)
            .where(
                OrderLine.order_id == order_id,
                OrderLine.product_id == product_id,
                OrderLine.restocked_quantity + quantity <= OrderLine.quantity,
            )
            .values(restocked_quantity=OrderLine.restocked_quantity + quantity)
        )
        if counted.rowcount != 1:
            raise BadRequest(
                f"Product {product_id}: {quantity} cannot be put back in stock (more than "
                "were sold and not yet put back)."
            )
    await inventory.restock(tx, order_id, sorted(lines.items()), actor, reason, kind=kind)


def refund_state(row: Any) -> str:
    if row.state == jobs.DONE:
        return SUCCEEDED
    if row.state == jobs.FAILED or row.last_error:
        return FAILED
    return PENDING


async def refunds_of(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """Every refund asked for the order, oldest first, with its lines."""
    rows = (
        await tx.execute(
            select(REFUNDS).where(REFUNDS.c.order_id == order_id).order_by(REFUNDS.c.id)
        )
    ).all()
    lines: dict[int, list[dict[str, Any]]] = {}
    if rows:
        for found in await tx.execute(
            select(RefundLine.__table__)
            .where(RefundLine.refund_id.in_([row.id for row in rows]))
            .order_by(RefundLine.refund_id, RefundLine.product_id)
        ):
            lines.setdefault(found.refund_id, []).append(
                {
                    "product_id": found.product_id,
                    "quantity": found.quantity,
                    "restock": found.restock,
                }
            )
    return [
        {
            "id": row.id,
            "amount": as_json_number(row.amount_cents),
            "status": refund_state(row),
            "lines": lines.get(row.id, []),
            "reason": row.reason,
            "payment_id": row.payment_id,
            "provider_refund_id": row.provider_refund_id,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "created_at": row.created_at.isoformat(),
        }
        for row in rows
    ]


async def refund_json(tx: Tx, order_id: str, refund_id: int) -> dict[str, Any]:
    for found in await refunds_of(tx, order_id):
        if found["id"] == refund_id:
            return found
    raise RefundNotFound()


async def retry_refund(tx: Tx, order_id: str, refund_id: int) -> dict[str, Any]:
    """Ask the provider again now for a refund that failed (or waits)."""
    await refund_json(tx, order_id, refund_id)  # RefundNotFound
    if not await jobs.retry_now(tx, REFUNDS, refund_id):
        raise BadRequest("This refund has already been made.")
    return await refund_json(tx, order_id, refund_id)
