"""Shipping methods and discount codes in the shop's rules: what a cart costs with them, and a
code's uses, taken in the checkout's transaction and given back when its order lets go.

A use is taken with a conditional update (`uses < usage_limit`), so no number of concurrent
checkouts ever takes more than the limit; once per email is a unique key on the uses. Both are
given back in the transaction that releases the order's stock (expiry, failed payment,
cancel, a newer checkout of the same cart); refunds keep them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shopkeep.carts import service as carts
from shopkeep.db import Tx, utcnow
from shopkeep.errors import BadRequest, Conflict, NotFound
from shopkeep.money import as_json_number, display, to_cents
from shopkeep.orders.models import Order
from shopkeep.pricing.models import DiscountCode, DiscountUse, ShippingMethod
from shopkeep.pricing.totals import PERCENT, Discount, Shipping, Totals, totals

MAX_CODE = 40
CODE_PATTERN = r"^[A-Za-z0-9_-]+$"
# The demo shop's methods (SPEC §15).
DEMO_METHODS = (
    {"code": "standard", "name": "Standard delivery", "price_cents": 499,
     "free_from_cents": 5000, "active": True, "position": 1},
    {"code": "express", "name": "Express delivery", "price_cents": 1299,
     "free_from_cents": None, "active": True, "position": 2},
)  # fmt: skip


def normal_code(typed: str) -> str:
    """A code as it is kept: codes match whatever case they are typed in."""
    return typed.strip().upper()


def _when(moment: datetime) -> str:
    return moment.strftime("%d %B %Y, %H:%M UTC")


class ShippingMethodNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Shipping method not found")


class DiscountCodeNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Discount code not found")


class UnknownShippingMethod(BadRequest):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"There is no shipping method '{code[:MAX_CODE]}': choose one of the list."
        )


class DiscountRefused(BadRequest):
    """A code that cannot be used on this cart; the sentence goes next to the code's field."""


class UnknownCode(DiscountRefused):
    def __init__(self, code: str) -> None:
        super().__init__(f"There is no discount code '{code[:MAX_CODE]}': check its spelling.")


class CodeExpired(DiscountRefused):
    def __init__(self, code: str, ends_at: datetime) -> None:
        super().__init__(f"The code {code} expired on {_when(ends_at)}.")


class CodeNotYetValid(DiscountRefused):
    def __init__(self, code: str, starts_at: datetime) -> None:
        super().__init__(f"The code {code} is not valid yet: it starts on {_when(starts_at)}.")


class CodeUsedUp(DiscountRefused):
    def __init__(self, code: str) -> None:
        super().__init__(f"The code {code} has been used up.")


class CodeAlreadyUsed(DiscountRefused):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"The code {code} has already been used with this email address (once per customer)."
        )


class BelowMinimum(DiscountRefused):
    def __init__(self, code: str, minimum: int, subtotal: int) -> None:
        super().__init__(
            f"The code {code} needs a subtotal of at least {display(minimum)} "
            f"(this cart: {display(subtotal)})."
        )


@dataclass(frozen=True, slots=True)
class Priced:
    """A cart's totals with the method and code that made them."""

    totals: Totals
    code: Any = None  # the discount code's row
    method: Any = None  # the shipping method's row


# Quoting a cart: the same rules for the preview, the checkout page and the checkout itself.


async def shipping_method(tx: Tx, typed: str) -> Any:
    """An active shipping method by its code; UnknownShippingMethod otherwise."""
    code = typed.strip().lower()
    row = None
    if 0 < len(code) <= MAX_CODE:
        row = (
            await tx.execute(select(ShippingMethod.__table__).where(ShippingMethod.code == code))
        ).first()
    if row is None or not row.active:
        raise UnknownShippingMethod(typed.strip())
    return row


async def discount_code(
    tx: Tx,
    typed: str,
    subtotal_cents: int,
    *,
    email: str | None = None,
    now: datetime | None = None,
) -> Any:
    """A code that can be used on a cart of this subtotal (by this email, when given), or the
    DiscountRefused that says why not. Whether a use is left is checked again, for certain,
    when the use is taken."""
    code = normal_code(typed)
    row = None
    if 0 < len(code) <= MAX_CODE:
        row = (
            await tx.execute(select(DiscountCode.__table__).where(DiscountCode.code == code))
        ).first()
    if row is None or not row.active:
        raise UnknownCode(typed.strip())
    now = now or utcnow()
    if row.starts_at is not None and now < row.starts_at:
        raise CodeNotYetValid(code, row.starts_at)
    if row.ends_at is not None and now >= row.ends_at:
        raise CodeExpired(code, row.ends_at)
    if row.usage_limit is not None and row.uses >= row.usage_limit:
        raise CodeUsedUp(code)
    if row.min_subtotal_cents is not None and subtotal_cents < row.min_subtotal_cents:
        raise BelowMinimum(code, row.min_subtotal_cents, subtotal_cents)
    if email is not None and row.once_per_email:
        used = await tx.scalar(
            select(DiscountUse.order_id).where(
                DiscountUse.code_id == row.id, DiscountUse.email == email_key(email)
            )
        )
        if used is not None:
            raise CodeAlreadyUsed(code)
    return row


def email_key(email: str) -> str:
    return email.strip().lower()


async def price(
    tx: Tx,
    line_cents: Sequence[int],
    *,
    shipping_method_code: str | None = None,
    code: str | None = None,
    email: str | None = None,
) -> Priced:
    """The totals of lines (their price x quantity) with a method and a code, each optional."""
    method = (
        None if shipping_method_code is None else await shipping_method(tx, shipping_method_code)
    )
    found = None if code is None else await discount_code(tx, code, sum(line_cents), email=email)
    discount = None if found is None else Discount(found.kind, found.value)
    shipping = None if method is None else Shipping(method.price_cents, method.free_from_cents)
    return Priced(totals(line_cents, discount, shipping), found, method)


def totals_json(priced: Totals) -> dict[str, float]:
    return {
        "subtotal": as_json_number(priced.subtotal_cents),
        "discount": as_json_number(priced.discount_cents),
        "shipping": as_json_number(priced.shipping_cents),
        "total": as_json_number(priced.total_cents),
    }


# A code's uses.


async def take_use(tx: Tx, code: Any, order_id: str, email: str | None) -> None:
    """Take one use of the code for the order, in the checkout's transaction: CodeUsedUp when
    none is left (whatever runs at the same time), CodeAlreadyUsed when the code is once per
    email and that address holds a use. Locked after the products, as the lock order wants."""
    taken = await tx.execute(
        update(DiscountCode)
        .where(
            DiscountCode.id == code.id,
            DiscountCode.active.is_(True),
            or_(DiscountCode.usage_limit.is_(None), DiscountCode.uses < DiscountCode.usage_limit),
        )
        .values(uses=DiscountCode.uses + 1)
    )
    if taken.rowcount != 1:
        raise CodeUsedUp(code.code)
    once = email_key(email) if code.once_per_email and email is not None else None
    insert_use = pg_insert if tx.dialect == "postgresql" else sqlite_insert
    recorded = await tx.execute(
        insert_use(DiscountUse)
        .values(order_id=order_id, code_id=code.id, email=once, created_at=utcnow())
        .on_conflict_do_nothing()
    )
    if recorded.rowcount != 1:
        raise CodeAlreadyUsed(code.code)


async def give_back(tx: Tx, order_id: str) -> None:
    """The order lets go of its code's use (it expired, failed or was cancelled): the use
    counts no more, and its email may use a once-per-email code again. The use stays on record."""
    code_id = await tx.scalar(
        update(DiscountUse)
        .where(DiscountUse.order_id == order_id, DiscountUse.released_at.is_(None))
        .values(released_at=utcnow(), email=None)
        .returning(DiscountUse.code_id)
    )
    if code_id is not None:
        await tx.execute(
            update(DiscountCode)
            .where(DiscountCode.id == code_id)
            .values(uses=DiscountCode.uses - 1)
        )


# Shipping methods, as staff manage them.


def method_json(row: Any) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "price": as_json_number(row.price_cents),
        "free_from": None if row.free_from_cents is None else as_json_number(row.free_from_cents),
        "active": row.active,
        "position": row.position,
    }


def _methods_statement(active_only: bool) -> Any:
    statement = select(ShippingMethod.__table__).order_by(
        ShippingMethod.position, ShippingMethod.code
    )
    return statement.where(ShippingMethod.active.is_(True)) if active_only else statement


async def list_methods(tx: Tx, *, active_only: bool = False) -> list[dict[str, Any]]:
    return [method_json(row) for row in await tx.execute(_methods_statement(active_only))]


async def public_methods(tx: Tx) -> list[dict[str, Any]]:
    """The methods a shopper can choose, in their order of display."""
    return [
        {key: method[key] for key in ("code", "name", "price", "free_from")}
        for method in await list_methods(tx, active_only=True)
    ]


async def public_method_rows(tx: Tx) -> list[Any]:
    """The active methods' rows, in their order of display (for the storefront's pages)."""
    return list(await tx.execute(_methods_statement(True)))


async def get_method(tx: Tx, code: str) -> dict[str, Any]:
    row = (
        await tx.execute(
            select(ShippingMethod.__table__).where(ShippingMethod.code == code.lower())
        )
    ).first()
    if row is None:
        raise ShippingMethodNotFound()
    return method_json(row)


async def create_method(tx: Tx, values: dict[str, Any]) -> dict[str, Any]:
    code = values["code"]
    if await tx.scalar(select(ShippingMethod.code).where(ShippingMethod.code == code)):
        raise Conflict(f"A shipping method with the code '{code}' exists already.")
    await tx.execute(insert(ShippingMethod).values(**values))
    return await get_method(tx, code)


async def change_method(tx: Tx, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    await get_method(tx, code)
    if changes:
        await tx.execute(
            update(ShippingMethod).where(ShippingMethod.code == code.lower()).values(**changes)
        )
    return await get_method(tx, code)


async def delete_method(tx: Tx, code: str) -> None:
    """Orders keep the method's name and price they were placed with, so it can go."""
    await get_method(tx, code)
    await tx.execute(delete(ShippingMethod).where(ShippingMethod.code == code.lower()))


async def ensure_demo_methods(tx: Tx) -> None:
    """The demo shop's shipping methods, where none exists yet."""
    if not await tx.scalar(select(func.count()).select_from(ShippingMethod)):
        await tx.execute(insert(ShippingMethod), [dict(method) for method in DEMO_METHODS])


# Discount codes, as staff manage them.


def code_json(row: Any) -> dict[str, Any]:
    return {
        "code": row.code,
        "kind": row.kind,
        "value": row.value if row.kind == PERCENT else as_json_number(row.value),
        "min_subtotal": None
        if row.min_subtotal_cents is None
        else as_json_number(row.min_subtotal_cents),
        "starts_at": None if row.starts_at is None else row.starts_at.isoformat(),
        "ends_at": None if row.ends_at is None else row.ends_at.isoformat(),
        "usage_limit": row.usage_limit,
        "once_per_email": row.once_per_email,
        "active": row.active,
        "uses": row.uses,
        "created_at": row.created_at.isoformat(),
    }


async def _code_row(tx: Tx, code: str) -> Any:
    row = (
        await tx.execute(
            select(DiscountCode.__table__).where(DiscountCode.code == normal_code(code))
        )
    ).first()
    if row is None:
        raise DiscountCodeNotFound()
    return row


async def list_codes(tx: Tx) -> list[dict[str, Any]]:
    rows = await tx.execute(select(DiscountCode.__table__).order_by(DiscountCode.code))
    return [code_json(row) for row in rows]


async def get_code(tx: Tx, code: str) -> dict[str, Any]:
    """The code with the orders that used it, newest first (uses given back included)."""
    row = await _code_row(tx, code)
    used = await tx.execute(
        select(
            DiscountUse.order_id,
            DiscountUse.created_at,
            DiscountUse.released_at,
            Order.status,
            Order.discount_cents,
            Order.total_cents,
        )
        .join(Order, Order.id == DiscountUse.order_id)
        .where(DiscountUse.code_id == row.id)
        .order_by(DiscountUse.created_at.desc(), DiscountUse.order_id)
        .limit(200)
    )
    return {
        **code_json(row),
        "orders": [
            {
                "order_id": use.order_id,
                "status": use.status,
                "discount": as_json_number(use.discount_cents),
                "total": as_json_number(use.total_cents),
                "used_at": use.created_at.isoformat(),
                "given_back_at": None if use.released_at is None else use.released_at.isoformat(),
            }
            for use in used
        ],
    }


def _stored_value(kind: str, value: Decimal) -> int:
    """A percentage as a whole number 1..100, a fixed amount in cents (at least 1)."""
    if kind == PERCENT:
        if value != value.to_integral_value() or not 1 <= value <= 100:
            raise BadRequest("A percentage discount is a whole number from 1 to 100.")
        return int(value)
    cents = to_cents(value)
    if cents < 1:
        raise BadRequest("A fixed discount is at least 0.01.")
    return cents


def _check_dates(starts: datetime | None, ends: datetime | None) -> None:
    if starts is not None and ends is not None and ends <= starts:
        raise BadRequest("ends_at must be after starts_at.")


async def create_code(tx: Tx, values: dict[str, Any]) -> dict[str, Any]:
    """A new code from the columns of `DiscountCodeIn` (`value` as typed, a Decimal)."""
    values = {**values, "code": normal_code(values["code"])}
    values["value"] = _stored_value(values["kind"], values["value"])
    _check_dates(values.get("starts_at"), values.get("ends_at"))
    if await tx.scalar(select(DiscountCode.id).where(DiscountCode.code == values["code"])):
        raise Conflict(f"The discount code {values['code']} exists already (codes ignore case).")
    await tx.execute(insert(DiscountCode).values(**values, uses=0, created_at=utcnow()))
    return await get_code(tx, values["code"])


async def change_code(tx: Tx, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change the fields given (`value` as typed, a Decimal, read with the new or old kind)."""
    row = await _code_row(tx, code)
    changes = dict(changes)
    if "kind" in changes and changes["kind"] != row.kind and "value" not in changes:
        raise BadRequest("Give the new value with the new kind of discount.")
    if "value" in changes:
        changes["value"] = _stored_value(changes.get("kind", row.kind), changes["value"])
    _check_dates(changes.get("starts_at", row.starts_at), changes.get("ends_at", row.ends_at))
    if changes:
        await tx.execute(update(DiscountCode).where(DiscountCode.id == row.id).values(**changes))
    return await get_code(tx, code)


async def delete_code(tx: Tx, code: str) -> None:
    """A code no order used can go; a used one stays on its orders' record (deactivate it)."""
    row = await _code_row(tx, code)
    used = await tx.scalar(
        select(func.count()).select_from(DiscountUse).where(DiscountUse.code_id == row.id)
    )
    if used:
        raise BadRequest(
            f"The code {row.code} was used by {used} order(s), so it stays on their record: "
            "set it inactive instead."
        )
    await tx.execute(delete(DiscountCode).where(DiscountCode.id == row.id))


# A cart's totals before checkout.


@dataclass(frozen=True, slots=True)
class Preview:
    """A cart's totals with what the shopper chose; a refused choice leaves its part out and
    says why (`discount_error`, `shipping_error`)."""

    totals: Totals
    method: Any = None
    code: Any = None
    discount_error: str | None = None
    shipping_error: str | None = None


async def preview(
    tx: Tx,
    line_cents: Sequence[int],
    shipping_method_code: str | None,
    code: str | None,
    email: str | None = None,
) -> Preview:
    """What checkout would charge for these lines now, without taking anything."""
    method = found = None
    discount_error = shipping_error = None
    if shipping_method_code:
        try:
            method = await shipping_method(tx, shipping_method_code)
        except UnknownShippingMethod as refused:
            shipping_error = refused.detail
    if code:
        try:
            found = await discount_code(tx, code, sum(line_cents), email=email)
        except DiscountRefused as refused:
            discount_error = refused.detail
    discount = None if found is None else Discount(found.kind, found.value)
    shipping = None if method is None else Shipping(method.price_cents, method.free_from_cents)
    return Preview(
        totals(line_cents, discount, shipping), method, found, discount_error, shipping_error
    )


async def preview_cart(
    tx: Tx, cart_id: str, shipping_method_code: str | None, code: str | None
) -> dict[str, Any]:
    """`GET /cart/{id}` with `shipping_method` and `discount_code`: the cart with `subtotal`,
    `discount`, `shipping` and the `total` to pay (the lines checkout would take)."""
    cart = await carts.get_cart(tx, cart_id)
    contents = await carts.cart_contents(tx, cart_id)
    line_cents = [line.price_cents * line.quantity for line in contents.lines if line.available]
    shown = await preview(tx, line_cents, shipping_method_code, code)
    return {
        **cart,
        **totals_json(shown.totals),
        "shipping_method": None if shown.method is None else shown.method.code,
        "discount_code": None if shown.code is None else shown.code.code,
        "discount_error": shown.discount_error,
        "shipping_error": shown.shipping_error,
    }
