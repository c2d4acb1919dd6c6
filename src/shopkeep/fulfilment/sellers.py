"""Seller orders: a seller's part of each paid order — their lines only, who it ships to and
the note — and shipping that part through the one shipping rule (`service.add_shipment`).

A seller never reads another seller's lines, the shop's own lines, the order's totals or its
payment; an order holding none of their lines does not exist for them (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, exists, func, select

from shopkeep.accounts.service import SignedIn
from shopkeep.carts.service import is_id
from shopkeep.catalog.models import Product
from shopkeep.db import Tx
from shopkeep.errors import Conflict, NotFound
from shopkeep.fulfilment import read
from shopkeep.fulfilment import service as fulfilment
from shopkeep.fulfilment.models import DELIVERED
from shopkeep.money import as_json_number
from shopkeep.orders import service as orders
from shopkeep.orders.models import PAID, Order, OrderLine

SellerOrderState = Literal["to_ship", "shipped", "all"]
STATES: tuple[SellerOrderState, ...] = ("to_ship", "shipped", "all")


class SellerOrderNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Order not found among the paid orders holding your products.")


@dataclass(frozen=True, slots=True)
class SellerOrderQuery:
    state: SellerOrderState = "to_ship"
    page: int = 1
    page_size: int = 20


def own_line(seller_id: int) -> ColumnElement[bool]:
    """The order line is of one of the seller's products."""
    return OrderLine.product_id.in_(select(Product.id).where(Product.seller_id == seller_id))


def _left() -> ColumnElement[bool]:
    return OrderLine.shipped_quantity + OrderLine.restocked_quantity < OrderLine.quantity


def _holding(seller_id: int, *extra: ColumnElement[bool]) -> ColumnElement[bool]:
    """The order has a line of the seller's (meeting `extra`)."""
    return exists(
        select(OrderLine.order_id).where(
            OrderLine.order_id == Order.id, own_line(seller_id), *extra
        )
    )


def _state_conditions(seller_id: int, state: SellerOrderState) -> list[ColumnElement[bool]]:
    where = [Order.status == PAID, _holding(seller_id)]
    if state == "to_ship":
        where.append(_holding(seller_id, _left()))
    elif state == "shipped":
        where.append(~_holding(seller_id, _left()))
    return where


async def count_to_ship(tx: Tx, seller_id: int) -> int:
    """Paid orders with units of the seller's lines neither shipped nor put back."""
    where = _state_conditions(seller_id, "to_ship")
    return int(await tx.scalar(select(func.count()).select_from(Order).where(*where)) or 0)


async def own_products(tx: Tx, order_id: str, seller_id: int) -> frozenset[int]:
    """The products of the order's lines that are the seller's (empty: none, or no order)."""
    if not is_id(order_id):
        return frozenset()
    rows = (
        await tx.execute(
            select(OrderLine.product_id).where(OrderLine.order_id == order_id, own_line(seller_id))
        )
    ).scalars()
    return frozenset(rows)


async def list_seller_orders(tx: Tx, seller_id: int, query: SellerOrderQuery) -> dict[str, Any]:
    """A page of the seller's orders, newest first, with how many there are in all."""
    where = _state_conditions(seller_id, query.state)
    total = await tx.scalar(select(func.count()).select_from(Order).where(*where))
    ids = (
        (
            await tx.execute(
                select(Order.id)
                .where(*where)
                .order_by(Order.created_at.desc(), Order.id.desc())
                .limit(query.page_size)
                .offset((query.page - 1) * query.page_size)
            )
        )
        .scalars()
        .all()
    )
    return {
        "total": int(total or 0),
        "state": query.state,
        "page": query.page,
        "page_size": query.page_size,
        "orders": [await _seller_order(tx, order_id, seller_id) for order_id in ids],
    }


async def get_seller_order(tx: Tx, seller_id: int, order_id: str) -> dict[str, Any]:
    products = await _paid_with_own_lines(tx, order_id, seller_id)
    return await _seller_order(tx, order_id, seller_id, products=products)


async def _paid_with_own_lines(tx: Tx, order_id: str, seller_id: int) -> frozenset[int]:
    """The seller's products on a paid order; SellerOrderNotFound when there are none."""
    products = await own_products(tx, order_id, seller_id)
    status = await tx.scalar(select(Order.status).where(Order.id == order_id)) if products else None
    if status != PAID:
        raise SellerOrderNotFound()
    return products


async def _seller_order(
    tx: Tx, order_id: str, seller_id: int, *, products: frozenset[int] | None = None
) -> dict[str, Any]:
    if products is None:
        products = await own_products(tx, order_id, seller_id)
    order = (await tx.execute(select(Order.created_at).where(Order.id == order_id))).one()
    lines = [
        row for p, row in (await fulfilment.order_lines(tx, order_id)).items() if p in products
    ]
    shipments = []
    for shipment in await read.shipments_of(tx, order_id):
        own = [line for line in shipment["lines"] if line["product_id"] in products]
        if own:
            mine = len(own) == len(shipment["lines"])
            shipments.append({**shipment, "lines": own, "yours": mine})
    customer = orders.customer_json(await orders.customer_of(tx, order_id))
    return {
        "order_id": order_id,
        "created_at": order.created_at.isoformat(),
        "name": customer["name"],
        "shipping_address": customer["shipping_address"],
        "note": customer["note"],
        "lines": [_line_json(row) for row in lines],
        "to_ship": sum(_left_of(row) for row in lines),
        "fulfilment_status": _status(lines, shipments),
        "shipments": shipments,
    }


def _left_of(row: Any) -> int:
    left: int = row.quantity - row.shipped_quantity - row.restocked_quantity
    return max(left, 0)


def _line_json(row: Any) -> dict[str, Any]:
    return {
        "product_id": row.product_id,
        "name": row.name,
        "price": as_json_number(row.unit_price_cents),
        "quantity": row.quantity,
        "line_total": as_json_number(row.unit_price_cents * row.quantity),
        "shipped": row.shipped_quantity,
        "put_back": row.restocked_quantity,
        "to_ship": _left_of(row),
    }


def _status(lines: list[Any], shipments: list[dict[str, Any]]) -> str:
    """The seller's part, as `read.fulfilment_status` derives the order's over all lines."""
    if not shipments:
        return read.UNFULFILLED
    if any(_left_of(row) for row in lines):
        return read.PARTIALLY_SHIPPED
    if all(s["status"] == DELIVERED for s in shipments):
        return DELIVERED
    return read.SHIPPED


async def ship(
    tx: Tx,
    seller: SignedIn,
    order_id: str,
    lines: list[fulfilment.Units] | None,
    tracking: fulfilment.Tracking,
) -> dict[str, Any]:
    """Ship units of the seller's own lines (all their remaining units when None). Which
    products are the seller's never changes; the order's status is checked under its lock."""
    products = await _paid_with_own_lines(tx, order_id, seller.id)
    try:
        return await fulfilment.add_shipment(
            tx, order_id, lines, tracking, actor=seller_actor(seller), only=products
        )
    except fulfilment.NotLeftToShip as error:
        raise Conflict(error.detail) from error


async def mark_delivered(
    tx: Tx, seller: SignedIn, order_id: str, shipment_id: int
) -> dict[str, Any]:
    """Mark delivered a shipment of the seller's own lines only."""
    products = await _paid_with_own_lines(tx, order_id, seller.id)
    return await fulfilment.mark_delivered(
        tx, order_id, shipment_id, actor=seller_actor(seller), only=products
    )


def seller_actor(seller: SignedIn) -> str:
    """How the order's history names a seller (staff appear by their username)."""
    return f"seller {seller.username}"
