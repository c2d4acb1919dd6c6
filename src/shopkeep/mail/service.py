"""The outbox: which emails an event on an order causes, written in the event's transaction,
and what a message is made of when the sender takes it.

Other domains call `queue_order_mail(tx, order_id, event, ...)` in the transaction that
changes the order; nothing is sent until it commits, and a failed send never touches the order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from shopkeep import jobs
from shopkeep.catalog.models import Product
from shopkeep.db import Tx, utcnow
from shopkeep.errors import BadRequest, NotFound
from shopkeep.mail.models import OutboxMail
from shopkeep.orders.models import Order, OrderCustomer, OrderLine
from shopkeep.sellers.models import Seller

# Events that mail someone.
PAID = "paid"
REFUNDED = "refunded"
CANCELLED = "cancelled"
SHIPPED = "shipped"
EVENTS = frozenset({PAID, REFUNDED, CANCELLED, SHIPPED})

# Recipients, as the unique key names them.
CUSTOMER = "customer"
SHOP = "shop"
SELLER_PREFIX = "seller:"

OUTBOX: Table = OutboxMail.__table__  # type: ignore[assignment]


class MailNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Message not found")


def mail_id(order_id: str, event_key: str, recipient: str) -> str:
    """The id of a message: derived from its unique key, so that it (and the Message-ID and the
    file name made from it) is the same on every try, in every process."""
    key = f"{order_id}\n{event_key}\n{recipient}".encode()
    return hashlib.sha256(key).hexdigest()[:32]


async def queue_order_mail(
    tx: Tx, order_id: str, event: str, *, key: str | None = None, **context: Any
) -> int:
    """Write the emails `event` causes for an order into the outbox, in the caller's
    transaction; returns how many were new (an event queued again adds nothing).

    - `paid`: the customer, the shop owner and each seller with lines in the order who has an
      email address (their lines only);
    - `refunded` (context: `amount_cents`; `key`: the refund's id, one email per refund),
      `shipped` (context: the tracking and the lines shipped; `key`: the shipment's id) and
      `cancelled`: the customer.

    The customer is mailed only when the order has contact details (seed 001's API places
    orders without any).
    """
    if event not in EVENTS:
        raise ValueError(f"no email is sent for {event!r}")
    recipients: list[tuple[str, str | None]] = []
    email = await tx.scalar(select(OrderCustomer.email).where(OrderCustomer.order_id == order_id))
    if email:
        recipients.append((CUSTOMER, email))
    if event == PAID:
        recipients.append((SHOP, None))
        sellers = await tx.execute(
            select(Seller.id, Seller.email)
            .join(Product, Product.seller_id == Seller.id)
            .join(OrderLine, OrderLine.product_id == Product.id)
            .where(OrderLine.order_id == order_id, Seller.email.is_not(None))
            .distinct()
            .order_by(Seller.id)
        )
        recipients += [(f"{SELLER_PREFIX}{row.id}", row.email) for row in sellers]
    if not recipients:
        return 0
    event_key = event if key is None else f"{event}:{key}"
    now = utcnow()
    rows = [
        {
            "id": mail_id(order_id, event_key, recipient),
            "order_id": order_id,
            "event": event,
            "event_key": event_key,
            "recipient": recipient,
            "to_address": address,
            "context": orjson.dumps(context).decode(),
            "created_at": now,
            "next_attempt_at": now,
            "state": "waiting",
            "attempts": 0,
        }
        for recipient, address in recipients
    ]
    insert_ = postgresql.insert if tx.dialect == "postgresql" else sqlite.insert
    result = await tx.execute(
        insert_(OutboxMail)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["order_id", "event_key", "recipient"])
    )
    return int(result.rowcount or 0)


async def queue_refund_mail(
    tx: Tx, order_id: str, refund_id: str, amount_cents: int, reason: str | None = None
) -> int:
    """The customer's email for one refund (one per refund id, however often it is called)."""
    return await queue_order_mail(
        tx, order_id, REFUNDED, key=refund_id, amount_cents=amount_cents, reason=reason
    )


async def queue_cancel_mail(tx: Tx, order_id: str, refund_cents: int = 0) -> int:
    """The customer's email for a cancelled order (saying what is refunded, if anything)."""
    return await queue_order_mail(tx, order_id, CANCELLED, refund_cents=refund_cents)


@dataclass(frozen=True, slots=True)
class Line:
    product_id: int
    name: str
    unit_price_cents: int
    quantity: int
    seller_id: int | None

    @property
    def line_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass(frozen=True, slots=True)
class Customer:
    email: str
    name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str
    phone: str
    note: str


@dataclass(frozen=True, slots=True)
class MailFacts:
    """Everything one message is made of, read when it is sent."""

    id: str
    event: str
    recipient: str
    to_address: str | None
    context: dict[str, Any]
    queued_at: datetime
    order_id: str
    placed_at: datetime
    total_cents: int
    currency: str
    lines: list[Line]
    customer: Customer | None
    seller_name: str | None
    # The order's charges beside its lines (SPEC §15): what the total is made of.
    subtotal_cents: int = 0
    discount_cents: int = 0
    discount_code: str | None = None
    shipping_cents: int = 0
    shipping_name: str | None = None

    @property
    def has_charges(self) -> bool:
        """Whether the total is more than the sum of the lines (a discount or a shipping method)."""
        return bool(self.discount_cents or self.shipping_name)

    @property
    def seller_id(self) -> int | None:
        if self.recipient.startswith(SELLER_PREFIX):
            return int(self.recipient.removeprefix(SELLER_PREFIX))
        return None

    @property
    def shown_lines(self) -> list[Line]:
        """A seller sees only their own lines; everyone else, all of them."""
        seller_id = self.seller_id
        if seller_id is None:
            return self.lines
        return [line for line in self.lines if line.seller_id == seller_id]


async def mail_facts(tx: Tx, message_id: str) -> MailFacts:
    row = (await tx.execute(select(OUTBOX).where(OUTBOX.c.id == message_id))).first()
    if row is None:
        raise MailNotFound()
    order = (
        await tx.execute(
            select(
                Order.id,
                Order.created_at,
                Order.total_cents,
                Order.currency,
                Order.subtotal_cents,
                Order.discount_cents,
                Order.discount_code,
                Order.shipping_cents,
                Order.shipping_name,
            ).where(Order.id == row.order_id)
        )
    ).one()
    lines = await tx.execute(
        select(
            OrderLine.product_id,
            OrderLine.name,
            OrderLine.unit_price_cents,
            OrderLine.quantity,
            Product.seller_id,
        )
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == row.order_id)
        .order_by(OrderLine.product_id)
    )
    customer = (
        await tx.execute(
            select(OrderCustomer.__table__).where(OrderCustomer.order_id == row.order_id)
        )
    ).first()
    seller_name = None
    if row.recipient.startswith(SELLER_PREFIX):
        seller_id = int(row.recipient.removeprefix(SELLER_PREFIX))
        seller_name = await tx.scalar(select(Seller.username).where(Seller.id == seller_id))
    return MailFacts(
        id=row.id,
        event=row.event,
        recipient=row.recipient,
        to_address=row.to_address,
        context=orjson.loads(row.context),
        queued_at=row.created_at,
        order_id=order.id,
        placed_at=order.created_at,
        total_cents=order.total_cents,
        currency=order.currency,
        lines=[Line(**line._mapping) for line in lines],
        customer=None
        if customer is None
        else Customer(**{k: v for k, v in customer._mapping.items() if k != "order_id"}),
        seller_name=seller_name,
        subtotal_cents=order.subtotal_cents,
        discount_cents=order.discount_cents,
        discount_code=order.discount_code,
        shipping_cents=order.shipping_cents,
        shipping_name=order.shipping_name,
    )


def mail_json(row: Any) -> dict[str, Any]:
    waiting = row.state == jobs.WAITING
    return {
        "id": row.id,
        "to": row.to_address,
        "recipient": row.recipient,
        "subject": row.subject,
        "event": row.event,
        "order_id": row.order_id,
        "status": row.state,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "next_attempt_at": row.next_attempt_at.isoformat() if waiting else None,
        "delivery": row.delivery,
        "created_at": row.created_at.isoformat(),
    }


def _listed(order_id: str | None, status: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if order_id is not None:
        where.append(OUTBOX.c.order_id == order_id)
    if status is not None:
        where.append(OUTBOX.c.state == status)
    return where


async def list_mail(
    tx: Tx,
    *,
    order_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The outbox, newest first (of one order, or in one status: waiting, done or failed)."""
    statement = (
        select(OUTBOX)
        .where(*_listed(order_id, status))
        .order_by(OUTBOX.c.created_at.desc(), OUTBOX.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [mail_json(row) for row in await tx.execute(statement)]


async def mail_page(
    tx: Tx, *, status: str | None = None, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """A page of the outbox, newest first, with how many messages there are in all."""
    total = await tx.scalar(select(func.count()).select_from(OUTBOX).where(*_listed(None, status)))
    messages = await list_mail(tx, status=status, limit=page_size, offset=(page - 1) * page_size)
    return {"total": int(total or 0), "page": page, "page_size": page_size, "messages": messages}


async def one_mail(tx: Tx, message_id: str) -> dict[str, Any]:
    row = (await tx.execute(select(OUTBOX).where(OUTBOX.c.id == message_id))).first()
    if row is None:
        raise MailNotFound()
    return mail_json(row)


async def retry_mail(tx: Tx, message_id: str) -> dict[str, Any]:
    """Send a message that failed (or waits for its next try) now, rather than never or later."""
    await one_mail(tx, message_id)  # MailNotFound
    if not await jobs.retry_now(tx, OUTBOX, message_id):
        raise BadRequest("This message has already been sent.")
    return await one_mail(tx, message_id)
