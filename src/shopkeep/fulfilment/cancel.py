"""Cancelling an order (staff), only while nothing of it has shipped.

A pending order's units go back and its open payment is cancelled at the provider (a job, as
for expired orders). A paid order's units not already put back go back, and what is left of
its payment is refunded through a refund job under a key of its own: cancelling twice refunds
once. The order is locked first, so a payment callback arriving meanwhile either paid it
before (and the cancel refunds it) or finds it cancelled (and reconciliation refunds it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from shopkeep.db import Tx, utcnow
from shopkeep.errors import BadRequest
from shopkeep.fulfilment.service import has_shipments, locked_status, order_lines
from shopkeep.inventory.models import RELEASE
from shopkeep.mail import service as mail
from shopkeep.money import display
from shopkeep.orders import events
from shopkeep.orders import service as orders
from shopkeep.orders.models import CANCELLED, PAID, PENDING_PAYMENT, Order
from shopkeep.pricing import service as pricing
from shopkeep.refunds import service as refunds

CANCELLED_MESSAGE = "Cancelled by the shop; the items went back on the shelf."


async def cancel_order(tx: Tx, order_id: str, *, actor: str) -> dict[str, Any]:
    """Cancel the order; `{"order_id", "status", "refund"}` (the refund asked for, if any)."""
    status, _, payment_id = await locked_status(tx, order_id)
    if await has_shipments(tx, order_id):
        raise BadRequest("This order cannot be cancelled: part of it has already shipped.")
    refund: dict[str, Any] | None = None
    if status == PENDING_PAYMENT:
        await orders.cancel_pending(tx, order_id, CANCELLED_MESSAGE, actor=actor)
        await mail.queue_cancel_mail(tx, order_id)
    elif status == PAID:
        await tx.execute(
            update(Order)
            .where(Order.id == order_id, Order.status == PAID)
            .values(status=CANCELLED, updated_at=utcnow())
        )
        back = {
            p: row.quantity - row.restocked_quantity
            for p, row in (await order_lines(tx, order_id)).items()
            if row.quantity > row.restocked_quantity
        }
        if back:
            await refunds.put_back(
                tx, order_id, back, actor=actor, reason=CANCELLED_MESSAGE, kind=RELEASE
            )
        await pricing.give_back(tx, order_id)
        left = 0 if payment_id is None else await refunds.refundable(tx, order_id, payment_id)
        message = CANCELLED_MESSAGE
        if payment_id is not None and left > 0:
            refund_id = await refunds.ask_refund(
                tx, order_id, payment_id, left, "order_cancelled", refunds.CANCEL_PREFIX + order_id
            )
            refund = await refunds.refund_json(tx, order_id, refund_id)
            message += f" {display(left)} is being refunded to your card."
        await events.record(tx, order_id, CANCELLED, message, actor=actor)
        await mail.queue_cancel_mail(tx, order_id, refund_cents=left)
    else:
        raise BadRequest(f"Only a pending or paid order can be cancelled (this one is {status}).")
    return {"order_id": order_id, "status": CANCELLED, "refund": refund}
