"""Starting the hosted payment of an order: one open payment per order, however often asked.

Two tabs, a double click or a retry after a lost answer all get the same payment: the store
returns the open payment it recorded, and the provider is asked under an idempotency key
derived from the order, so even requests racing before anything is recorded create one.
"""

from __future__ import annotations

from sqlalchemy import select

from shopkeep.db import Database, Tx
from shopkeep.orders import service as orders
from shopkeep.orders.models import PENDING_PAYMENT, Order
from shopkeep.payments import records
from shopkeep.payments.client import HostedPayment, PaymentProviderError, PaymentsClient


def hosted_key(order_id: str) -> str:
    return f"hosted-{order_id}"


async def start_hosted_payment(
    database: Database, provider: PaymentsClient, order_id: str, return_url: str
) -> tuple[HostedPayment, int]:
    """The order's open hosted payment (created at the provider when it has none) and the
    amount it is for. Raises `OrderAlreadyProcessed` unless the order awaits payment."""
    amount_cents, currency = await database.read(orders.amount_due, order_id)
    existing = await database.read(records.open_payment, order_id)
    if existing is not None and existing.checkout_url is not None:
        return HostedPayment(existing.payment_id, existing.checkout_url), existing.amount_cents
    try:
        payment = await provider.start_hosted_payment(
            order_id=order_id,
            amount_cents=amount_cents,
            currency=currency,
            return_url=return_url,
            idempotency_key=hosted_key(order_id),
        )
    except PaymentProviderError as error:
        # The key was used with another return address a moment ago: that payment is the one.
        existing = await database.read(records.open_payment, order_id)
        if error.provider_status != 409 or existing is None or existing.checkout_url is None:
            raise
        return HostedPayment(existing.payment_id, existing.checkout_url), existing.amount_cents
    await database.write(
        _record, order_id, payment.payment_id, amount_cents, currency, payment.checkout_url
    )
    return payment, amount_cents


async def _record(
    tx: Tx, order_id: str, payment_id: str, amount_cents: int, currency: str, checkout_url: str
) -> None:
    await records.record_hosted(tx, order_id, payment_id, amount_cents, currency, checkout_url)
    status = await tx.scalar(select(Order.status).where(Order.id == order_id).with_for_update())
    if status != PENDING_PAYMENT:
        # The order closed while the payment was being created: it must not stay payable.
        await records.cancel_open_payments(tx, order_id)
