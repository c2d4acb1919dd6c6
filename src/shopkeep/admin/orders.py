"""Orders as staff find them: filtered, searched, paged, and read in chunks for the export.

Pages are newest first: by `created_at`, then id (an index walks both). The export reads the
same order by keyset, a chunk per transaction, so no query ever holds the whole result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, case, func, or_, select, tuple_
from sqlalchemy.orm import aliased

from shopkeep.catalog.models import Product
from shopkeep.db import Tx
from shopkeep.fulfilment.models import DELIVERED, Shipment
from shopkeep.money import as_json_number
from shopkeep.orders import events
from shopkeep.orders import service as orders
from shopkeep.orders.models import PAID, Order, OrderCustomer, OrderLine
from shopkeep.payments import records
from shopkeep.payments.models import Payment, PaymentEvent
from shopkeep.refunds import service as refunds
from shopkeep.sellers.models import Seller

HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Which orders: all of them unless narrowed. Dates are days in UTC, both inclusive."""

    status: str | None = None
    payment_status: str | None = None
    fulfilment_status: str | None = None
    q: str | None = None
    created_from: date | None = None
    created_to: date | None = None


@dataclass(frozen=True, slots=True)
class After:
    """Where a chunk of the export starts: after this order (newest first)."""

    created_at: datetime
    order_id: str


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _search(q: str) -> ColumnElement[bool]:
    """Orders that `q` finds, whatever its case: by the start of their id (hex), the start of
    the customer's email (the whole address among them) or a part of their name."""
    text = q.strip().lower()
    if not text:
        return Order.id.is_(None)  # nothing can match
    matches: list[ColumnElement[bool]] = []
    if set(text) <= HEX:
        matches.append(Order.id.startswith(text))
    customer = aliased(OrderCustomer)  # the list itself joins the order's customer too
    matches.append(
        select(customer.order_id)
        .where(
            customer.order_id == Order.id,
            func.lower(customer.email).startswith(text, autoescape=True)
            | func.lower(customer.name).contains(text, autoescape=True),
        )
        .correlate(Order)
        .exists()
    )
    return or_(*matches)


def _payment_sum(column: Any) -> ColumnElement[int]:
    """Σ `column` over the order's charges, as `records.money_of` counts them: of the payment
    that paid the order when there is one, else of every charge for it."""
    paying = or_(Order.status != PAID, Order.payment_id.is_(None), Payment.id == Order.payment_id)
    return (
        select(func.coalesce(func.sum(column), 0))
        .where(Payment.order_id == Order.id, Payment.status.in_(records.CHARGED), paying)
        .correlate(Order)
        .scalar_subquery()
    )


def payment_status() -> ColumnElement[str]:
    """The order's payment status in SQL, as `GET /orders/{id}` tells it (orders.service)."""
    charged = _payment_sum(Payment.amount_cents)
    refunded = _payment_sum(Payment.refunded_cents)
    return case(
        (charged == 0, case((Order.status == PAID, "paid"), else_="unpaid")),
        (refunded >= charged, "refunded"),
        (
            and_(refunded > 0, Order.status == PAID, Order.payment_id.is_not(None)),
            "partially_refunded",
        ),
        else_="paid",
    )


def fulfilment_status() -> ColumnElement[str]:
    """The order's fulfilment status in SQL, as `fulfilment.read.fulfilment_status` tells it:
    every unit not put back on the shelf shipped, and every shipment delivered."""

    def lines(total: Any) -> ColumnElement[int]:
        return (
            select(func.coalesce(func.sum(total), 0))
            .where(OrderLine.order_id == Order.id)
            .correlate(Order)
            .scalar_subquery()
        )

    def shipments(*where: ColumnElement[bool]) -> ColumnElement[bool]:
        return select(Shipment.id).where(Shipment.order_id == Order.id, *where).exists()

    due = lines(OrderLine.quantity - OrderLine.restocked_quantity)
    return case(
        (~shipments(), "unfulfilled"),
        (lines(OrderLine.shipped_quantity) < due, "partially_shipped"),
        (~shipments(Shipment.status != DELIVERED), "delivered"),
        else_="shipped",
    )


def conditions(found: OrderFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if found.status:
        where.append(Order.status == found.status)
    if found.payment_status:
        where.append(payment_status() == found.payment_status)
    if found.fulfilment_status:
        where.append(fulfilment_status() == found.fulfilment_status)
    if found.q:
        where.append(_search(found.q))
    if found.created_from:
        where.append(Order.created_at >= _day_start(found.created_from))
    if found.created_to:
        where.append(Order.created_at < _day_start(found.created_to + timedelta(days=1)))
    return where


def _order_json(row: Any, units: int) -> dict[str, Any]:
    return {
        "order_id": row.id,
        "status": row.status,
        "total": as_json_number(row.total_cents),
        "currency": row.currency,
        "units": units,
        "payment_status": row.payment_status,
        "fulfilment_status": row.fulfilment_status,
        "email": row.email,
        "name": row.name,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


async def search_orders(
    tx: Tx, found: OrderFilter, *, page: int = 1, page_size: int = 20
) -> dict[str, Any]:
    """A page of the matching orders, newest first, with how many match in all."""
    where = conditions(found)
    total = await tx.scalar(select(func.count()).select_from(Order).where(*where))
    rows = (
        await tx.execute(
            select(
                Order.id,
                Order.status,
                Order.total_cents,
                Order.currency,
                Order.created_at,
                Order.updated_at,
                OrderCustomer.email,
                OrderCustomer.name,
                payment_status().label("payment_status"),
                fulfilment_status().label("fulfilment_status"),
            )
            .outerjoin(OrderCustomer, OrderCustomer.order_id == Order.id)
            .where(*where)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    ).all()
    units = await _units(tx, [row.id for row in rows])
    return {
        "total": int(total or 0),
        "page": page,
        "page_size": page_size,
        "orders": [_order_json(row, units.get(row.id, 0)) for row in rows],
    }


async def _units(tx: Tx, order_ids: Sequence[str]) -> dict[str, int]:
    if not order_ids:
        return {}
    rows = await tx.execute(
        select(OrderLine.order_id, func.sum(OrderLine.quantity).label("units"))
        .where(OrderLine.order_id.in_(order_ids))
        .group_by(OrderLine.order_id)
    )
    return {row.order_id: int(row.units) for row in rows}


class ExportLine(NamedTuple):
    """One line of one order, as the export writes it."""

    order_id: str
    created_at: datetime
    status: str
    currency: str
    order_total_cents: int
    product_id: int
    name: str
    unit_price_cents: int
    quantity: int


async def export_chunk(
    tx: Tx, found: OrderFilter, after: After | None, *, orders_per_chunk: int
) -> tuple[list[ExportLine], After | None]:
    """The lines of the next `orders_per_chunk` matching orders after `after` (newest first),
    and where the next chunk starts (None when these were the last)."""
    where = conditions(found)
    if after is not None:
        # A row-value comparison: both databases walk the index from there.
        where.append(tuple_(Order.created_at, Order.id) < tuple_(after.created_at, after.order_id))
    keys = (
        await tx.execute(
            select(Order.id, Order.created_at)
            .where(*where)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(orders_per_chunk)
        )
    ).all()
    if not keys:
        return [], None
    rows = await tx.execute(
        select(
            Order.id.label("order_id"),
            Order.created_at,
            Order.status,
            Order.currency,
            Order.total_cents.label("order_total_cents"),
            OrderLine.product_id,
            OrderLine.name,
            OrderLine.unit_price_cents,
            OrderLine.quantity,
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.id.in_([key.id for key in keys]))
        .order_by(Order.created_at.desc(), Order.id.desc(), OrderLine.product_id)
    )
    lines = [ExportLine._make(row) for row in rows]
    last = keys[-1]
    following = After(last.created_at, last.id) if len(keys) == orders_per_chunk else None
    return lines, following


async def order_for_staff(tx: Tx, order_id: str) -> dict[str, Any]:
    """The order as its customer sees it (`GET /orders/{id}`), and what staff need besides:
    each line's seller and the product's stock now, and the payment callbacks received."""
    order = await orders.get_order(tx, order_id)  # OrderNotFound for anything else
    products = {
        row.id: row
        for row in await tx.execute(
            select(
                Product.id,
                Product.seller_id,
                Seller.username,
                Product.stock,
                Product.deleted_at,
            )
            .outerjoin(Seller, Seller.id == Product.seller_id)
            .where(Product.id.in_([item["product_id"] for item in order["items"]]))
        )
    }
    for item in order["items"]:
        product = products[item["product_id"]]
        item["seller_id"] = product.seller_id
        item["seller"] = product.username
        item["stock_now"] = product.stock
        item["product_deleted"] = product.deleted_at is not None
    payments = await tx.execute(
        select(
            PaymentEvent.payment_id,
            PaymentEvent.status,
            PaymentEvent.amount_cents,
            PaymentEvent.received_at,
        )
        .where(PaymentEvent.order_id == order_id)
        .order_by(PaymentEvent.received_at)
    )
    order["payments"] = [
        {
            "payment_id": row.payment_id,
            "status": row.status,
            "amount": as_json_number(row.amount_cents),
            "received_at": row.received_at.isoformat(),
        }
        for row in payments
    ]
    order["refunds"] = await refunds.refunds_of(tx, order_id)
    order["history"] = await events.history(tx, order_id, public_only=False)
    order["notes"] = [event for event in order["history"] if event["kind"] == NOTE]
    return order


NOTE = "note"


async def add_note(tx: Tx, order_id: str, text: str, *, actor: str) -> dict[str, Any]:
    """A staff note on the order's history: internal, never shown to the customer."""
    if not await refunds.order_exists(tx, order_id):
        raise orders.OrderNotFound()
    await events.record(tx, order_id, NOTE, text, actor=actor, public=False)
    notes = [e for e in await events.history(tx, order_id, public_only=False) if e["kind"] == NOTE]
    return notes[-1]
