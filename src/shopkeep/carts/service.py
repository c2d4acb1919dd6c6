"""Cart rules: adding checks stock but reserves nothing; carts always show current prices.

A cart also remembers its total as of the last change to its lines (`cached_total_cents`): a
seller's later price change shows in the cart's lines and total at once, but in the cached total
only once it is refreshed (seed 002's `cached_price`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Update, and_, bindparam, delete, func, insert, select, update

from shopkeep.carts.models import CART_OPEN, Cart, CartItem
from shopkeep.catalog.models import Product
from shopkeep.catalog.service import ProductNotFound
from shopkeep.db import MAX_ID, Prepared, Tx, UTCDateTime, utcnow
from shopkeep.errors import BadRequest, NotFound
from shopkeep.money import as_json_number

MAX_QUANTITY = 1000
CART_DELETED = "deleted"


class CartNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Cart not found")


class ItemNotInCart(NotFound):
    def __init__(self) -> None:
        super().__init__("Item not in cart")


class NotEnoughStock(BadRequest):
    def __init__(self, available: int) -> None:
        super().__init__(f"Not enough stock (available: {available})")


def new_id() -> str:
    """128 random bits as 32 lowercase hex characters: cart and order ids cannot be guessed."""
    return secrets.token_hex(16)


def is_id(value: str) -> bool:
    """Whether `value` has the shape of an id made by `new_id` (anything else cannot exist)."""
    return len(value) == 32 and _HEX_DIGITS.issuperset(value)


_HEX_DIGITS = frozenset("0123456789abcdef")


def check_quantity(quantity: int, *, allow_zero: bool = False) -> None:
    lowest = 0 if allow_zero else 1
    if quantity < lowest:
        raise BadRequest(f"Quantity must be at least {lowest}")
    if quantity > MAX_QUANTITY:
        raise BadRequest(f"Quantity must be at most {MAX_QUANTITY}")


@dataclass(frozen=True, slots=True)
class CartLineDetails:
    """A cart line with its product as the catalog has it now."""

    product_id: int
    name: str
    price_cents: int
    quantity: int
    stock: int
    seller_id: int | None
    available: bool  # False once the product's seller deleted it: outside every total


@dataclass(frozen=True, slots=True)
class CartContents:
    cart_id: str
    cached_total_cents: int
    lines: list[CartLineDetails]


async def lock_open_cart(tx: Tx, cart_id: str) -> None:
    """Raise CartNotFound unless the cart is open; on PostgreSQL, hold its row until commit so
    that changes to one cart (and its checkout) happen one at a time."""
    if not is_id(cart_id):
        raise CartNotFound()
    status = (await tx.run(_locked_cart_status(), {"cart_id": cart_id})).scalar()
    if status != CART_OPEN:
        raise CartNotFound()


@cache
def _locked_cart_status() -> Prepared:
    return Prepared(select(Cart.status).where(Cart.id == bindparam("cart_id")).with_for_update())


async def create_cart(tx: Tx) -> str:
    now = utcnow()
    cart_id = new_id()
    await tx.execute(
        insert(Cart).values(id=cart_id, status=CART_OPEN, created_at=now, updated_at=now)
    )
    return cart_id


async def get_cart(tx: Tx, cart_id: str) -> dict[str, Any]:
    """An open cart as the API shows it: current prices, line totals and the total."""
    contents = await cart_contents(tx, cart_id)
    items = []
    total_cents = 0
    for line in contents.lines:
        # A product its seller deleted stays on the line, unavailable and outside the total.
        line_cents = line.price_cents * line.quantity if line.available else 0
        total_cents += line_cents
        items.append(
            {
                "product_id": line.product_id,
                "name": line.name,
                "price": as_json_number(line.price_cents),
                "quantity": line.quantity,
                "line_total": as_json_number(line_cents),
                "available": line.available,
            }
        )
    return {"cart_id": cart_id, "items": items, "total": as_json_number(total_cents)}


async def cart_contents(tx: Tx, cart_id: str) -> CartContents:
    """An open cart's lines with their products' current details, and its cached total."""
    if not is_id(cart_id):
        raise CartNotFound()
    cart = (
        await tx.execute(select(Cart.status, Cart.cached_total_cents).where(Cart.id == cart_id))
    ).first()
    if cart is None or cart.status != CART_OPEN:
        raise CartNotFound()
    rows = await tx.execute(
        select(
            CartItem.product_id,
            Product.name,
            Product.price_cents,
            CartItem.quantity,
            Product.stock,
            Product.seller_id,
            Product.deleted_at,
        )
        .join(Product, Product.id == CartItem.product_id)
        .where(CartItem.cart_id == cart_id)
        .order_by(CartItem.added_at, CartItem.product_id)
    )
    lines = [
        CartLineDetails(
            product_id=row.product_id,
            name=row.name,
            price_cents=row.price_cents,
            quantity=row.quantity,
            stock=row.stock,
            seller_id=row.seller_id,
            available=row.deleted_at is None,
        )
        for row in rows
    ]
    return CartContents(cart_id=cart_id, cached_total_cents=cart.cached_total_cents, lines=lines)


async def refresh_cached_total(tx: Tx, cart_id: str) -> None:
    """Bring an open cart's cached total to its total at today's prices."""
    await lock_open_cart(tx, cart_id)
    await tx.execute(_touch_statement(), {"cart_id": cart_id, "now": utcnow()})


async def add_item(tx: Tx, cart_id: str, product_id: int, quantity: int) -> dict[str, Any]:
    """Add `quantity` of a product; adding again adds up. Returns the line's new quantity."""
    await lock_open_cart(tx, cart_id)
    stock, in_cart, listed = await _stock_and_line(tx, cart_id, product_id)
    if not listed:
        raise ProductNotFound()
    check_quantity(quantity)
    new_quantity = quantity + (in_cart or 0)
    if new_quantity > MAX_QUANTITY:
        raise BadRequest(f"Quantity must be at most {MAX_QUANTITY} per product")
    if new_quantity > stock:
        raise NotEnoughStock(stock)
    await _write_line(tx, cart_id, product_id, new_quantity, exists=in_cart is not None)
    return {"cart_id": cart_id, "product_id": product_id, "quantity": new_quantity}


async def set_quantity(tx: Tx, cart_id: str, product_id: int, quantity: int) -> dict[str, Any]:
    """Set a line's quantity; 0 removes it. Returns the cart as `get_cart` does."""
    await lock_open_cart(tx, cart_id)
    check_quantity(quantity, allow_zero=True)
    stock, in_cart, listed = await _stock_and_line(tx, cart_id, product_id, missing=ItemNotInCart)
    if in_cart is None:
        raise ItemNotInCart()
    await _apply_quantity(tx, cart_id, product_id, quantity, stock, in_cart, listed)
    return await get_cart(tx, cart_id)


async def put_item(tx: Tx, cart_id: str, product_id: int, quantity: int) -> None:
    """Set how many of a product the cart holds, adding the line when there is none; 0 removes
    it (and is harmless when there is none)."""
    await lock_open_cart(tx, cart_id)
    stock, in_cart, listed = await _stock_and_line(tx, cart_id, product_id)
    check_quantity(quantity, allow_zero=True)
    await _apply_quantity(tx, cart_id, product_id, quantity, stock, in_cart, listed)


async def _apply_quantity(
    tx: Tx,
    cart_id: str,
    product_id: int,
    quantity: int,
    stock: int,
    in_cart: int | None,
    listed: bool,
) -> None:
    if quantity == 0:
        if in_cart is not None:
            await _delete_line(tx, cart_id, product_id)
        return
    if not listed:  # deleted by its seller: the line can only be removed
        raise ProductNotFound()
    if quantity > stock:
        raise NotEnoughStock(stock)
    await _write_line(tx, cart_id, product_id, quantity, exists=in_cart is not None)


async def remove_item(tx: Tx, cart_id: str, product_id: int) -> dict[str, Any]:
    await lock_open_cart(tx, cart_id)
    if not await _delete_line(tx, cart_id, product_id):
        raise ItemNotInCart()
    return {"cart_id": cart_id, "removed_product_id": product_id}


async def delete_cart(tx: Tx, cart_id: str) -> None:
    """The cart disappears for the shopper; orders made from it keep pointing at it."""
    await lock_open_cart(tx, cart_id)
    await tx.execute(delete(CartItem).where(CartItem.cart_id == cart_id))
    await tx.execute(
        update(Cart).where(Cart.id == cart_id).values(status=CART_DELETED, updated_at=utcnow())
    )


async def _stock_and_line(
    tx: Tx, cart_id: str, product_id: int, *, missing: Callable[[], NotFound] = ProductNotFound
) -> tuple[int, int | None, bool]:
    """The product's stock, the quantity already in the cart (None: no such line), and whether
    the product is in the catalog (not deleted)."""
    if not 1 <= product_id <= MAX_ID:
        raise missing()
    row = (
        await tx.execute(
            select(Product.stock, CartItem.quantity, Product.deleted_at)
            .outerjoin(
                CartItem,
                and_(CartItem.product_id == Product.id, CartItem.cart_id == bindparam("cart_id")),
            )
            .where(Product.id == bindparam("product_id")),
            {"cart_id": cart_id, "product_id": product_id},
        )
    ).first()
    if row is None:
        raise missing()
    return row.stock, row.quantity, row.deleted_at is None


async def _write_line(
    tx: Tx, cart_id: str, product_id: int, quantity: int, *, exists: bool
) -> None:
    now = utcnow()
    if exists:
        await tx.execute(
            update(CartItem)
            .where(CartItem.cart_id == cart_id, CartItem.product_id == product_id)
            .values(quantity=quantity)
        )
    else:
        await tx.execute(
            insert(CartItem).values(
                cart_id=cart_id, product_id=product_id, quantity=quantity, added_at=now
            )
        )
    await tx.execute(_touch_statement(), {"cart_id": cart_id, "now": now})


async def _delete_line(tx: Tx, cart_id: str, product_id: int) -> bool:
    result = await tx.execute(
        delete(CartItem).where(CartItem.cart_id == cart_id, CartItem.product_id == product_id)
    )
    deleted = bool(getattr(result, "rowcount", 0))
    if deleted:
        await tx.execute(_touch_statement(), {"cart_id": cart_id, "now": utcnow()})
    return deleted


@cache
def _touch_statement() -> Update:
    """After a change to a cart's lines: its time of change, and its cached total at today's
    prices (products deleted by their sellers count for nothing, as in `get_cart`)."""
    total = (
        select(func.coalesce(func.sum(Product.price_cents * CartItem.quantity), 0))
        .select_from(CartItem)
        .join(Product, Product.id == CartItem.product_id)
        .where(CartItem.cart_id == bindparam("cart_id"), Product.deleted_at.is_(None))
        .scalar_subquery()
    )
    return (
        update(Cart)
        .where(Cart.id == bindparam("cart_id"))
        .values(updated_at=bindparam("now", type_=UTCDateTime()), cached_total_cents=total)
    )
