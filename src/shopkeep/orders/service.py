"""Order rules: checkout reserves stock atomically; payment settles it; unpaid orders expire.

Invariant, per product, at every commit: initial stock = stock on the shelf + units held by
orders that are `pending_payment` or `paid`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Update,
    bindparam,
    column,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from shopkeep.carts.models import CART_CLOSED, CART_OPEN, Cart, CartItem
from shopkeep.carts.service import CartNotFound, is_id, lock_open_cart, new_id
from shopkeep.catalog.models import Product
from shopkeep.db import Prepared, Tx, utcnow
from shopkeep.errors import BadRequest, NotFound, ShopError
from shopkeep.fulfilment import read as fulfilment
from shopkeep.inventory import service as inventory
from shopkeep.inventory.models import RESERVE
from shopkeep.mail import service as mail
from shopkeep.money import as_json_number
from shopkeep.orders import events
from shopkeep.orders.details import CustomerDetails
from shopkeep.orders.models import (
    CANCELLED,
    EXPIRED,
    PAID,
    PAYMENT_FAILED,
    PENDING_PAYMENT,
    Order,
    OrderCustomer,
    OrderLine,
)
from shopkeep.payments import records
from shopkeep.pricing import service as pricing

CHECKOUT_MESSAGE = "Send order_id and total to the payments backend to complete purchase."


class OrderNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Order not found")


class CartIsEmpty(BadRequest):
    def __init__(self) -> None:
        super().__init__("Cart is empty")


class OutOfStock(BadRequest):
    def __init__(self, name: str, requested: int, available: int) -> None:
        super().__init__(
            f"Not enough stock for '{name}' (requested {requested}, available {available})"
        )


class ProductUnavailable(BadRequest):
    def __init__(self, name: str) -> None:
        super().__init__(f"'{name}' is no longer available; remove it from the cart to check out")


class StockChanged(ShopError):
    """The conditional update found less stock than the locked read did: never expected."""

    status_code = 409


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order_id: str
    total_cents: int


async def checkout(
    tx: Tx,
    cart_id: str,
    ttl: timedelta,
    details: CustomerDetails | None = None,
    *,
    shipping_method: str | None = None,
    discount_code: str | None = None,
) -> dict[str, Any]:
    """Reserve every line's stock and create a `pending_payment` order, all or nothing, with
    the customer's details (already validated) as its snapshot, and its totals with the
    shipping method and the discount code (whose use it takes), frozen from now on.

    A pending order the cart already had is replaced: its stock goes back first.
    """
    order = await _place_order(
        tx, cart_id, ttl, details, shipping_method=shipping_method, discount_code=discount_code
    )
    return {
        "order_id": order.order_id,
        "total": as_json_number(order.total_cents),
        "message": CHECKOUT_MESSAGE,
    }


async def checkout_and_mark_paid(tx: Tx, cart_id: str, ttl: timedelta) -> PlacedOrder:
    """Checkout for clients that have no payment step (seed 002's API): the stock is reserved
    as `checkout` does, and the order is paid at once, in the same transaction, which closes
    the cart. It has no payment id."""
    order = await _place_order(tx, cart_id, ttl)
    await mark_paid(tx, order.order_id, None)
    return order


async def _place_order(
    tx: Tx,
    cart_id: str,
    ttl: timedelta,
    details: CustomerDetails | None = None,
    *,
    shipping_method: str | None = None,
    discount_code: str | None = None,
) -> PlacedOrder:
    """Checkout's work: the cart's stock reserved and its `pending_payment` order created."""
    previous, lines = await _open_cart_order_or_lines(tx, cart_id)
    if previous is not None:
        # Lock what both the old order and the cart hold at once, in id order.
        await _lock_products(tx, [previous], cart_id=cart_id)
        await _close_pending(tx, previous, CANCELLED)

    if lines is None:
        lines = (await tx.run(_cart_lines_statement(), {"cart_id": cart_id})).all()
    if not lines:
        raise CartIsEmpty()
    for line in lines:
        if line.deleted_at is not None:
            raise ProductUnavailable(line.name)
    for line in lines:
        if line.quantity > line.stock:
            raise OutOfStock(line.name, line.quantity, line.stock)
    email = None if details is None else details.email
    priced = await pricing.price(
        tx,
        [line.price_cents * line.quantity for line in lines],
        shipping_method_code=shipping_method,
        code=discount_code,
        email=email,
    )
    amounts = priced.totals

    now = utcnow()
    order_id = new_id()
    total_cents = amounts.total_cents
    order = {
        "id": order_id,
        "cart_id": cart_id,
        "status": PENDING_PAYMENT,
        "total_cents": total_cents,
        "subtotal_cents": amounts.subtotal_cents,
        "discount_cents": amounts.discount_cents,
        "shipping_cents": amounts.shipping_cents,
        "discount_code": None if priced.code is None else priced.code.code,
        "shipping_method": None if priced.method is None else priced.method.code,
        "shipping_name": None if priced.method is None else priced.method.name,
        "currency": "USD",
        "created_at": now,
        "updated_at": now,
        "expires_at": now + ttl,
    }
    order_lines = [
        {
            "order_id": order_id,
            "product_id": line.product_id,
            "name": line.name,
            "unit_price_cents": line.price_cents,
            "quantity": line.quantity,
            "discount_cents": line_discount,
        }
        for line, line_discount in zip(lines, amounts.line_discounts, strict=True)
    ]
    # The conditional update is the guarantee; the check above only names the short line.
    if await _reserve_and_insert(tx, order, order_lines) != len(lines):
        raise StockChanged("Stock changed during checkout; please try again.")
    if details is not None:
        await tx.run(_INSERT_ORDER_CUSTOMER, {"order_id": order_id, **details.snapshot()})
    if priced.code is not None:
        # After the products: the lock order is cart, orders, products, then the code.
        await pricing.take_use(tx, priced.code, order_id, email)
    return PlacedOrder(order_id=order_id, total_cents=total_cents)


async def _reserve_and_insert(
    tx: Tx, order: dict[str, Any], order_lines: list[dict[str, Any]]
) -> int:
    """Take the cart's lines off the shelf, then write the order, its lines and their reserve
    movements; how many lines were reserved (short of all of them, nothing is written on
    SQLite, and on PostgreSQL the caller's refusal rolls it all back)."""
    cart_id = order["cart_id"]
    if tx.dialect == "postgresql":
        # One statement, one round trip to the server instead of four: on loopback a round
        # trip costs the store more than the statement costs the server.
        params: dict[str, Any] = {
            "cart_id": cart_id,
            **{f"order_{name}": order[name] for name in _PLACED_ORDER_COLUMNS},
            **{
                f"line_{name}": [line[name] for line in order_lines]
                for name in _PLACED_LINE_COLUMNS
            },
            "actor": inventory.CUSTOMER,
            "reason": inventory.CHECKOUT_REASON,
            "at": order["created_at"],
        }
        rows = await tx.driver_run(_place_on_postgresql(), params)
        reserved: int = rows[0][0]
        return reserved
    reserved = (await tx.run(_reserve_statement(), {"cart_id": cart_id})).rowcount
    if reserved == len(order_lines):
        await tx.run(_INSERT_ORDER, order)
        await tx.run(_INSERT_ORDER_LINES, order_lines)
        await inventory.record_reserved(
            tx, order["id"], [(line["product_id"], line["quantity"]) for line in order_lines]
        )
    return reserved


_PLACED_ORDER_COLUMNS = (
    "id",
    "status",
    "total_cents",
    "subtotal_cents",
    "discount_cents",
    "shipping_cents",
    "discount_code",
    "shipping_method",
    "shipping_name",
    "currency",
    "created_at",
    "updated_at",
    "expires_at",
)
# The lines' columns an order takes from its cart at checkout.
_PLACED_LINE_COLUMNS = ("product_id", "name", "unit_price_cents", "quantity", "discount_cents")


@cache
def _place_on_postgresql() -> Prepared:
    """What `_reserve_statement`, `_INSERT_ORDER`, `_INSERT_ORDER_LINES` and
    `inventory.record_reserved` do, as data-modifying parts of one statement; it counts the
    lines reserved. Its parameters: `cart_id`, the order's columns above as `order_{name}`, its
    lines' columns as arrays `line_{name}`, and the movements' `actor`, `reason` and `at`."""
    reserved = _reserve_update().returning(Product.id).cte("reserved")
    order = {
        name: bindparam(f"order_{name}", type_=_ORDERS.c[name].type)
        for name in _PLACED_ORDER_COLUMNS
    }
    # Columns left out take their server defaults: SQLAlchemy fills its own defaults in only at
    # the top of a statement it runs itself.
    placed = (
        insert(_ORDERS)
        .from_select(
            ["cart_id", *order],
            select(bindparam("cart_id", type_=_ORDERS.c.cart_id.type), *order.values()),
            include_defaults=False,
        )
        .cte("placed")
    )
    line = (
        func.unnest(
            *(
                bindparam(f"line_{name}", type_=ARRAY(_ORDER_LINES.c[name].type))
                for name in _PLACED_LINE_COLUMNS
            )
        )
        .table_valued(*(column(name, _ORDER_LINES.c[name].type) for name in _PLACED_LINE_COLUMNS))
        .render_derived()
    )
    lines = (
        insert(_ORDER_LINES)
        .from_select(
            ["order_id", *_PLACED_LINE_COLUMNS],
            select(order["id"], *(line.c[name] for name in _PLACED_LINE_COLUMNS)),
            include_defaults=False,
        )
        .returning(_ORDER_LINES.c.product_id, _ORDER_LINES.c.quantity)
        .cte("lines")
    )
    moved = inventory.movements_from(
        select(*inventory.movement_row(lines.c.product_id, RESERVE, -lines.c.quantity, order["id"]))
    ).cte("moved")
    return Prepared(select(func.count()).select_from(reserved).add_cte(placed, lines, moved))


async def _open_cart_order_or_lines(
    tx: Tx, cart_id: str
) -> tuple[str | None, Sequence[Any] | None]:
    """The pending order of an open cart (None when it has none) and, when it has none and the
    read could take them at once, its lines; CartNotFound unless the cart is open. The cart's
    row is locked first."""
    if tx.dialect != "sqlite":
        await lock_open_cart(tx, cart_id)
        # Separate statements after the lock: on PostgreSQL they see what a checkout of the
        # same cart that held the lock before us committed. No order of the cart can appear
        # while we hold it, so a cart found without one has its lines (and products) locked at
        # once; otherwise the pending order is locked before any product.
        lines = (
            await tx.run(_cart_lines_statement(unless_pending=True), {"cart_id": cart_id})
        ).all()
        if lines:
            return None, lines
        previous: str | None = (
            await tx.run(_pending_order_statement(), {"cart_id": cart_id})
        ).scalar()
        return previous, None
    # SQLite runs one writer at a time: the cart, its pending order and its lines are read at
    # once (the lines again once a pending order has given its stock back).
    if not is_id(cart_id):
        raise CartNotFound()
    found = (await tx.run(_open_cart_and_pending_order(), {"cart_id": cart_id})).all()
    if not found or found[0].status != CART_OPEN:
        raise CartNotFound()
    pending: str | None = found[0].pending
    if pending is not None:
        return pending, None
    return None, [line for line in found if line.product_id is not None]


async def get_order(tx: Tx, order_id: str) -> dict[str, Any]:
    if not is_id(order_id):
        raise OrderNotFound()
    order = (await tx.execute(select(Order.__table__).where(Order.id == order_id))).first()
    if order is None:
        raise OrderNotFound()
    lines = await tx.execute(
        select(
            OrderLine.product_id,
            OrderLine.name,
            OrderLine.unit_price_cents,
            OrderLine.quantity,
            OrderLine.discount_cents,
        )
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.product_id)
    )
    customer = await customer_of(tx, order_id)
    return {
        "order_id": order.id,
        "cart_id": order.cart_id,
        "items": [
            {
                "product_id": line.product_id,
                "name": line.name,
                "price": as_json_number(line.unit_price_cents),
                "quantity": line.quantity,
                "line_total": as_json_number(line.unit_price_cents * line.quantity),
                "discount": as_json_number(line.discount_cents),
            }
            for line in lines
        ],
        "total": as_json_number(order.total_cents),
        "subtotal": as_json_number(order.subtotal_cents),
        "discount": as_json_number(order.discount_cents),
        "shipping": as_json_number(order.shipping_cents),
        "discount_code": order.discount_code,
        "shipping_method": order.shipping_method,
        "shipping_name": order.shipping_name,
        "currency": order.currency,
        "status": order.status,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "expires_at": order.expires_at.isoformat(),
        "payment_id": order.payment_id,
        **customer_json(customer),
        **(await _money(tx, order)),
        **(await fulfilment.fulfilment_of(tx, order_id)),
        "history": await events.history(tx, order_id),
    }


async def _money(tx: Tx, order: Any) -> dict[str, Any]:
    """What the order's payments took and gave back. The payment status is that of the payment
    that paid the order; of an order nothing paid, whether a charge that could not pay it
    (refunded automatically) is still held."""
    paid_by = order.payment_id if order.status == PAID else None
    paying, refunded = await records.money_of(tx, order.id, paid_by)
    if paying == 0:
        # Orders paid without a provider (seed 002's checkout) have no payment on record.
        payment_status = "paid" if order.status == PAID else "unpaid"
    elif refunded >= paying:
        payment_status = "refunded"
    elif refunded and paid_by is not None:
        payment_status = "partially_refunded"
    else:
        payment_status = "paid"
    return {
        "refunded": as_json_number(refunded),
        "payment_status": payment_status,
        "needs_attention": order.needs_attention,
    }


async def customer_of(tx: Tx, order_id: str) -> dict[str, Any] | None:
    """Who the order ships to (its snapshot), or None for an order placed without details."""
    row = (
        await tx.execute(select(_ORDER_CUSTOMERS).where(OrderCustomer.order_id == order_id))
    ).first()
    return None if row is None else dict(row._mapping)


def customer_json(customer: dict[str, Any] | None) -> dict[str, Any]:
    if customer is None:
        return {"email": None, "name": None, "shipping_address": None, "note": None}
    return {
        "email": customer["email"],
        "name": customer["name"],
        "shipping_address": {
            name: customer[name]
            for name in ("line1", "line2", "city", "postal_code", "country", "phone")
        },
        "note": customer["note"],
    }


class OrderAlreadyProcessed(BadRequest):
    def __init__(self, status: str) -> None:
        super().__init__(f"Order already processed (status: {status})")


async def amount_due(tx: Tx, order_id: str) -> tuple[int, str]:
    """The total (in cents) and currency of an order awaiting payment."""
    row = None
    if is_id(order_id):
        row = (
            await tx.execute(
                select(Order.status, Order.total_cents, Order.currency).where(Order.id == order_id)
            )
        ).first()
    if row is None:
        raise OrderNotFound()
    if row.status != PENDING_PAYMENT:
        raise OrderAlreadyProcessed(row.status)
    return row.total_cents, row.currency


async def order_for_payment(tx: Tx, order_id: str) -> tuple[str, int, str | None] | None:
    """The order's status, total in cents and paying payment, locked until commit (its cart's
    row first, then its own: the lock order of checkout); None when it doesn't exist."""
    if not is_id(order_id):
        return None
    cart_id = await tx.scalar(select(Order.cart_id).where(Order.id == order_id))
    if cart_id is None:
        return None
    if tx.dialect == "postgresql":
        await tx.execute(select(Cart.id).where(Cart.id == cart_id).with_for_update())
    row = (
        await tx.execute(
            select(Order.status, Order.total_cents, Order.payment_id)
            .where(Order.id == order_id)
            .with_for_update()
        )
    ).first()
    return None if row is None else (row.status, row.total_cents, row.payment_id)


async def mark_paid(tx: Tx, order_id: str, payment_id: str | None) -> None:
    """Settle a pending order: the reserved stock stays sold and the cart is closed. Orders
    paid without a payment provider have no `payment_id`."""
    now = utcnow()
    cart_id = await tx.scalar(
        update(Order)
        .where(Order.id == order_id, Order.status == PENDING_PAYMENT)
        .values(status=PAID, payment_id=payment_id, updated_at=now)
        .returning(Order.cart_id)
    )
    if cart_id is None:
        raise OrderNotFound()
    await tx.execute(
        update(Cart).where(Cart.id == cart_id).values(status=CART_CLOSED, updated_at=now)
    )
    await mail.queue_order_mail(tx, order_id, mail.PAID)
    if payment_id is not None:
        await events.record(tx, order_id, PAID, "Payment received.", actor=events.PROVIDER)
        # Another page of this order can no longer be paid.
        await records.cancel_open_payments(tx, order_id, keep=payment_id)


async def mark_payment_failed(tx: Tx, order_id: str, payment_id: str) -> None:
    """A failed payment puts the stock back; the cart stays so the shopper can try again."""
    await _close_pending(tx, order_id, PAYMENT_FAILED, payment_id=payment_id)


async def expire_orders(tx: Tx, now: datetime | None = None, limit: int = 500) -> int:
    """Expire pending orders past their deadline, returning their stock. Returns how many."""
    due = (
        (
            await tx.execute(
                select(Order.id)
                .where(Order.status == PENDING_PAYMENT, Order.expires_at < (now or utcnow()))
                .order_by(Order.id)
                .limit(limit)
                # Orders before products, as everywhere; another process's are left to it.
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    await _lock_products(tx, list(due))
    expired = 0
    for order_id in due:
        expired += await _close_pending(tx, order_id, EXPIRED)
    return expired


async def cancel_pending(tx: Tx, order_id: str, message: str, *, actor: str) -> int:
    """Cancel a pending order (staff): its units go back and its open payment is cancelled."""
    return await _close_pending(tx, order_id, CANCELLED, message=message, actor=actor)


async def _close_pending(
    tx: Tx,
    order_id: str,
    status: str,
    *,
    payment_id: str | None = None,
    message: str | None = None,
    actor: str = events.SYSTEM,
) -> int:
    """Move a pending order to `status` and put its units back on the shelf.

    The conditional update makes this safe against a concurrent payment or expiry: only the
    transaction that moves the order out of `pending_payment` returns the stock.
    """
    values: dict[str, Any] = {"status": status, "updated_at": utcnow()}
    if payment_id is not None:
        values["payment_id"] = payment_id
    moved = await tx.execute(
        update(Order).where(Order.id == order_id, Order.status == PENDING_PAYMENT).values(**values)
    )
    if not moved.rowcount:
        return 0
    await _lock_products(tx, [order_id])
    await inventory.release_order(tx, order_id, message or _CLOSED[status], actor=actor)
    await pricing.give_back(tx, order_id)
    await events.record(tx, order_id, status, message or _CLOSED[status], actor=actor)
    # Its hosted payment, if one is open, can no longer pay it.
    await records.cancel_open_payments(tx, order_id)
    return 1


_CLOSED = {
    PAYMENT_FAILED: "Payment declined; the items went back on the shelf.",
    EXPIRED: "Not paid in time; the items went back on the shelf.",
    CANCELLED: "Replaced by a newer checkout of the same cart.",
}


# Checkout's statements are built once: building them costs more than running them on SQLite.
_ORDERS = cast(Table, Order.__table__)
_ORDER_LINES = cast(Table, OrderLine.__table__)
_ORDER_CUSTOMERS = cast(Table, OrderCustomer.__table__)
_INSERT_ORDER = Prepared(_ORDERS.insert())
_INSERT_ORDER_LINES = Prepared(_ORDER_LINES.insert())
_INSERT_ORDER_CUSTOMER = Prepared(_ORDER_CUSTOMERS.insert())


def _pending_order() -> Select[str]:
    return select(Order.id).where(
        Order.cart_id == bindparam("cart_id"), Order.status == PENDING_PAYMENT
    )


@cache
def _pending_order_statement() -> Prepared:
    # Locked before the products: the one lock order is cart, order, products by id.
    return Prepared(_pending_order().with_for_update())


@cache
def _open_cart_and_pending_order() -> Prepared:
    pending = _pending_order().limit(1).scalar_subquery()
    return Prepared(
        select(Cart.status, pending.label("pending"), *_CART_LINE_COLUMNS)
        .select_from(Cart)
        .outerjoin(CartItem, CartItem.cart_id == Cart.id)
        .outerjoin(Product, Product.id == CartItem.product_id)
        .where(Cart.id == bindparam("cart_id"))
        .order_by(CartItem.product_id)
    )


# What checkout needs of each line of the cart.
_CART_LINE_COLUMNS = (
    CartItem.product_id,
    CartItem.quantity,
    Product.name,
    Product.price_cents,
    Product.stock,
    Product.deleted_at,
)


@cache
def _cart_lines_statement(*, unless_pending: bool = False) -> Prepared:
    """The cart's lines (none `unless_pending` when it has a pending order)."""
    # Locks the products in id order (PostgreSQL) so two checkouts never wait on each other
    # in a cycle; SQLite already runs one writer at a time.
    lines = (
        select(*_CART_LINE_COLUMNS)
        .join(Product, Product.id == CartItem.product_id)
        .where(CartItem.cart_id == bindparam("cart_id"))
    )
    if unless_pending:
        lines = lines.where(~_pending_order().exists())
    # Ordered by the line's own key: no sort step on SQLite.
    return Prepared(lines.order_by(CartItem.product_id).with_for_update(of=Product))


@cache
def _reserve_statement() -> Prepared:
    return Prepared(_reserve_update())


def _reserve_update() -> Update:
    """Take every line of a cart off the shelf in one conditional statement."""
    return (
        update(Product)
        .where(
            CartItem.cart_id == bindparam("cart_id"),
            CartItem.product_id == Product.id,
            Product.stock >= CartItem.quantity,
            Product.deleted_at.is_(None),
        )
        .values(stock=Product.stock - CartItem.quantity)
    )


async def _lock_products(tx: Tx, order_ids: list[str], *, cart_id: str | None = None) -> None:
    """Take the row locks of every product the orders (and the cart) hold, in one statement and
    in id order, as checkout does (PostgreSQL; SQLite runs one writer at a time). Locks taken
    in one global order can never wait on each other in a cycle."""
    if tx.dialect != "postgresql" or not order_ids:
        return
    held: ColumnElement[bool] = Product.id.in_(
        select(OrderLine.product_id).where(OrderLine.order_id.in_(order_ids))
    )
    if cart_id is not None:
        in_cart = Product.id.in_(select(CartItem.product_id).where(CartItem.cart_id == cart_id))
        held = or_(held, in_cart)
    await tx.execute(select(Product.id).where(held).order_by(Product.id).with_for_update())
