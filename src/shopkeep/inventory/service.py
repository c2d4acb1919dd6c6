"""Every change of a product's stock, each with its movement, in the caller's transaction.

Checkout's reservation is one conditional update in `orders.service` (the hot path); its
movements, one per line of the new order, are written here in one statement (on PostgreSQL,
as a part of checkout's one statement there). Everything else that changes stock (releases,
restocks, adjustments, a product's first stock) is a function below.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, Update, bindparam, func, insert, literal, select, update

from shopkeep.catalog.models import Product
from shopkeep.catalog.service import ProductNotFound
from shopkeep.db import MAX_ID, Prepared, Tx, utcnow
from shopkeep.errors import BadRequest
from shopkeep.inventory.models import ADJUST, RELEASE, RESERVE, RESTOCK, StockMovement
from shopkeep.orders.models import OrderLine

# Stock is a 32-bit integer; this leaves room for units coming back from orders.
MAX_STOCK = 1_000_000_000
MAX_REASON = 200
SYSTEM = "system"
CUSTOMER = "customer"
INITIAL_STOCK = "Initial stock"
CHECKOUT_REASON = "Checkout"


def staff_actor(username: str) -> str:
    return f"staff:{username}"


def seller_actor(username: str) -> str:
    return f"seller:{username}"


class NoChange(BadRequest):
    def __init__(self) -> None:
        super().__init__("Change the stock by at least one unit, up or down")


class ReasonMissing(BadRequest):
    def __init__(self) -> None:
        super().__init__(f"Give a reason for the change, in at most {MAX_REASON} characters")


class BelowZero(BadRequest):
    def __init__(self, stock: int, change: int) -> None:
        super().__init__(
            f"Stock cannot go below 0: {stock} in stock, so it can go down by at most {stock},"
            f" not {-change}"
        )


class AboveMaximum(BadRequest):
    def __init__(self) -> None:
        super().__init__(f"Stock cannot go above {MAX_STOCK:,}")


class BadRestock(BadRequest):
    def __init__(self) -> None:
        super().__init__("Put back at least one unit of each line")


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ReasonMissing()
    return reason


async def adjust(tx: Tx, product_id: int, change: int, reason: str, actor: str) -> int:
    """Change a listed product's stock by `change` units (never below 0, never above
    MAX_STOCK), logged as an `adjust` movement; the new stock."""
    reason = check_reason(reason)
    if change == 0:
        raise NoChange()
    if not 1 <= product_id <= MAX_ID:
        raise ProductNotFound()
    stock = await tx.scalar(
        update(Product)
        .where(
            Product.id == product_id,
            Product.deleted_at.is_(None),
            Product.stock + change >= 0,
            Product.stock + change <= MAX_STOCK,
        )
        .values(stock=Product.stock + change)
        .returning(Product.stock)
    )
    if stock is None:
        current = await tx.scalar(
            select(Product.stock).where(Product.id == product_id, Product.deleted_at.is_(None))
        )
        if current is None:
            raise ProductNotFound()
        raise BelowZero(current, change) if change < 0 else AboveMaximum()
    await _record(tx, product_id, ADJUST, change, actor=actor, reason=reason)
    return int(stock)


async def set_stock(tx: Tx, product_id: int, stock: int, actor: str, reason: str) -> None:
    """Set a product's stock (a seller's edit says the new count); the difference is an
    `adjust` movement. The caller holds the product's row (a seller's edit locks it)."""
    current = await tx.scalar(select(Product.stock).where(Product.id == product_id))
    if current is None:
        raise ProductNotFound()
    if stock == current:
        return
    await tx.execute(update(Product).where(Product.id == product_id).values(stock=stock))
    await _record(tx, product_id, ADJUST, stock - current, actor=actor, reason=reason)


async def initial_stock(tx: Tx, product_id: int, stock: int, actor: str) -> None:
    """A new product's first stock, as a movement (the product was inserted with it)."""
    if stock:
        await _record(tx, product_id, ADJUST, stock, actor=actor, reason=INITIAL_STOCK)


async def initial_stock_of_range(tx: Tx, first_id: int, last_id: int) -> None:
    """The first stock of products inserted in bulk (ids first_id..last_id), in one statement."""
    await tx.execute(
        _initial_stock_statement(), {"first_id": first_id, "last_id": last_id, "at": utcnow()}
    )


async def record_reserved(tx: Tx, order_id: str, lines: Iterable[tuple[int, int]]) -> None:
    """Checkout's movements: one `reserve` per line of the new order, whose (product_id,
    quantity) pairs are `lines`, in one statement."""
    at = utcnow()
    await tx.run(
        _INSERT_MOVEMENT,
        [
            {
                "product_id": product_id,
                "type": RESERVE,
                "quantity": -quantity,
                "order_id": order_id,
                "actor": CUSTOMER,
                "reason": CHECKOUT_REASON,
                "at": at,
            }
            for product_id, quantity in lines
        ],
    )


async def release_order(tx: Tx, order_id: str, reason: str, actor: str = SYSTEM) -> None:
    """Put every line of an order back on the shelf, one `release` movement each. The caller
    has moved the order out of the states that hold stock (so this runs once per order)."""
    await tx.execute(_release_statement(), {"order_id": order_id})
    await tx.run(
        _release_movements_statement(),
        {"order_id": order_id, "at": utcnow(), "actor": actor, "reason": reason},
    )


async def restock(
    tx: Tx,
    order_id: str,
    lines: Iterable[tuple[int, int]],
    actor: str,
    reason: str = "Refund",
    *,
    kind: str = RESTOCK,
) -> None:
    """Put refunded units back on the shelf: `lines` are (product_id, quantity ≥ 1); one
    `restock` movement each (`release` for the units of a cancelled order), tied to the
    order. Rows are changed in id order (no deadlocks)."""
    merged: dict[int, int] = {}
    for product_id, quantity in lines:
        if quantity < 1:
            raise BadRestock()
        merged[product_id] = merged.get(product_id, 0) + quantity
    now = utcnow()
    for product_id, quantity in sorted(merged.items()):
        changed = await tx.execute(
            update(Product).where(Product.id == product_id).values(stock=Product.stock + quantity)
        )
        if not changed.rowcount:
            raise ProductNotFound()
        await _record(
            tx, product_id, kind, quantity, actor=actor, reason=reason, order_id=order_id, at=now
        )


async def movements(
    tx: Tx, product_id: int, *, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """A product's movements, newest first, paged; with their total and sum."""
    where = StockMovement.product_id == product_id
    counted = (
        await tx.execute(
            select(
                func.count().label("total"),
                func.coalesce(func.sum(StockMovement.quantity), 0).label("units"),
            ).where(where)
        )
    ).one()
    total, units = counted.total, counted.units
    rows = await tx.execute(
        select(StockMovement.__table__)
        .where(where)
        .order_by(StockMovement.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return {
        "total": int(total),
        "sum": int(units),
        "page": page,
        "page_size": page_size,
        "movements": [
            {
                "id": row.id,
                "type": row.type,
                "quantity": row.quantity,
                "order_id": row.order_id,
                "actor": row.actor,
                "reason": row.reason,
                "at": row.at.isoformat(),
            }
            for row in rows
        ],
    }


async def _record(
    tx: Tx,
    product_id: int,
    kind: str,
    quantity: int,
    *,
    actor: str,
    reason: str,
    order_id: str | None = None,
    at: Any = None,
) -> None:
    await tx.execute(
        insert(StockMovement).values(
            product_id=product_id,
            type=kind,
            quantity=quantity,
            order_id=order_id,
            actor=actor,
            reason=reason,
            at=at or utcnow(),
        )
    )


_COLUMNS = ("product_id", "type", "quantity", "order_id", "actor", "reason", "at")
_INSERT_MOVEMENT = Prepared(insert(StockMovement))


def movement_row(product_id: Any, kind: str, quantity: Any, order_id: Any) -> tuple[Any, ...]:
    """What a SELECT for `movements_from` selects: a movement of `kind`, its actor, reason and
    time bound as `actor`, `reason` and `at`."""
    return (
        product_id,
        literal(kind),
        quantity,
        order_id,
        bindparam("actor", type_=StockMovement.actor.type),
        bindparam("reason", type_=StockMovement.reason.type),
        bindparam("at", type_=StockMovement.at.type),
    )


def movements_from(rows: Select[Any]) -> Insert:
    """One movement per row of `rows` (see `movement_row`)."""
    return insert(StockMovement).from_select(_COLUMNS, rows)


@cache
def _release_movements_statement() -> Prepared:
    """One `release` movement per line of an order: its units return to the shelf."""
    lines = OrderLine
    return Prepared(
        movements_from(
            select(*movement_row(lines.product_id, RELEASE, lines.quantity, lines.order_id)).where(
                lines.order_id == bindparam("order_id")
            )
        )
    )


@cache
def _initial_stock_statement() -> Insert:
    return insert(StockMovement).from_select(
        _COLUMNS,
        select(
            Product.id,
            literal(ADJUST),
            Product.stock,
            literal(None, type_=StockMovement.order_id.type),
            literal(SYSTEM),
            literal(INITIAL_STOCK),
            bindparam("at", type_=StockMovement.at.type),
        ).where(
            Product.id.between(bindparam("first_id"), bindparam("last_id")), Product.stock != 0
        ),
    )


@cache
def _release_statement() -> Update:
    """Put every line of an order back on the shelf in one statement."""
    return (
        update(Product)
        .where(OrderLine.order_id == bindparam("order_id"), OrderLine.product_id == Product.id)
        .values(stock=Product.stock + OrderLine.quantity)
    )
