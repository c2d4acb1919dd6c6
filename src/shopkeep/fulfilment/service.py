"""Shipping a paid order's units and marking them delivered.

Every action locks the order first (its cart's row, then its own: the one lock order), so a
shipment, a cancel, a refund and a payment callback of the same order run one after another;
the conditional update of each line's shipped units is the guarantee that no unit ships twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from shopkeep.db import Tx, utcnow
from shopkeep.errors import BadRequest, Forbidden, NotFound
from shopkeep.fulfilment import read
from shopkeep.fulfilment.models import DELIVERED, SHIPPED, Shipment, ShipmentLine
from shopkeep.mail import service as mail
from shopkeep.orders import events
from shopkeep.orders import service as orders
from shopkeep.orders.models import PAID, OrderLine


class ShipmentNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Shipment not found")


@dataclass(frozen=True, slots=True)
class Units:
    product_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Tracking:
    carrier: str
    tracking_number: str
    tracking_url: str | None = None


async def locked_status(tx: Tx, order_id: str) -> tuple[str, int, str | None]:
    """The order's status, total and paying payment, locked until commit; OrderNotFound."""
    order = await orders.order_for_payment(tx, order_id)
    if order is None:
        raise orders.OrderNotFound()
    return order


async def order_lines(tx: Tx, order_id: str) -> dict[int, Any]:
    rows = await tx.execute(
        select(
            OrderLine.product_id,
            OrderLine.name,
            OrderLine.unit_price_cents,
            OrderLine.quantity,
            OrderLine.shipped_quantity,
            OrderLine.restocked_quantity,
            OrderLine.discount_cents,
        )
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.product_id)
    )
    return {row.product_id: row for row in rows}


def not_on_order(product_id: int) -> BadRequest:
    return BadRequest(f"Product {product_id} is not on this order.")


class NotLeftToShip(BadRequest):
    """More units than remain to ship (sold - shipped - put back)."""


class NotYourLine(Forbidden):
    def __init__(self, product_id: int) -> None:
        super().__init__(
            f"Product {product_id} on this order is not yours to ship: "
            "you can ship only your own lines."
        )


async def add_shipment(
    tx: Tx,
    order_id: str,
    lines: list[Units] | None,
    tracking: Tracking,
    *,
    actor: str,
    only: frozenset[int] | None = None,
) -> dict[str, Any]:
    """Ship `lines` (all the remaining units when None) of a paid order: never more units of
    a line than remain (sold - shipped - put back). `only`: the products this actor may ship
    (a seller's own lines); None for staff, who ship any line."""
    status, _, _ = await locked_status(tx, order_id)
    if status != PAID:
        raise BadRequest(f"Only a paid order can be shipped (this one is {status}).")
    held = await order_lines(tx, order_id)
    remaining = {
        p: row.quantity - row.shipped_quantity - row.restocked_quantity
        for p, row in held.items()
        if only is None or p in only
    }
    if lines is None:
        lines = [Units(p, left) for p, left in remaining.items() if left > 0]
        if not lines:
            raise NotLeftToShip("Nothing is left to ship on this order.")
    seen: set[int] = set()
    for units in lines:
        if units.product_id not in held:
            raise not_on_order(units.product_id)
        if units.product_id not in remaining:
            raise NotYourLine(units.product_id)
        if units.product_id in seen:
            raise BadRequest(f"Product {units.product_id} is named twice.")
        seen.add(units.product_id)
        left = remaining[units.product_id]
        if units.quantity > left:
            name = held[units.product_id].name
            raise NotLeftToShip(
                f"Only {left} of '{name}' remain to ship (asked to ship {units.quantity})."
            )
    for units in lines:
        shipped = await tx.execute(
            update(OrderLine)
            .where(
                OrderLine.order_id == order_id,
                OrderLine.product_id == units.product_id,
                OrderLine.shipped_quantity + OrderLine.restocked_quantity + units.quantity
                <= OrderLine.quantity,
            )
            .values(shipped_quantity=OrderLine.shipped_quantity + units.quantity)
        )
        if shipped.rowcount != 1:  # the lock above makes this unreachable; the update is the rule
            raise NotLeftToShip("Those units were shipped meanwhile; reload the order.")
    shipment_id = await tx.scalar(
        insert(Shipment)
        .values(
            order_id=order_id,
            carrier=tracking.carrier,
            tracking_number=tracking.tracking_number,
            tracking_url=tracking.tracking_url,
            status=SHIPPED,
            actor=actor,
            created_at=utcnow(),
        )
        .returning(Shipment.id)
    )
    assert shipment_id is not None
    await tx.execute(
        insert(ShipmentLine),
        [
            {"shipment_id": shipment_id, "product_id": u.product_id, "quantity": u.quantity}
            for u in lines
        ],
    )
    shipped_lines = [
        {"product_id": u.product_id, "name": held[u.product_id].name, "quantity": u.quantity}
        for u in lines
    ]
    await events.record(
        tx,
        order_id,
        SHIPPED,
        f"Shipped with {tracking.carrier}, tracking number {tracking.tracking_number}.",
        actor=actor,
        data={"shipment_id": shipment_id, "lines": shipped_lines, **_tracking(tracking)},
    )
    await mail.queue_order_mail(
        tx, order_id, mail.SHIPPED, key=str(shipment_id), lines=shipped_lines, **_tracking(tracking)
    )
    return await shipment(tx, order_id, shipment_id)


def _tracking(tracking: Tracking) -> dict[str, Any]:
    return {
        "carrier": tracking.carrier,
        "tracking_number": tracking.tracking_number,
        "tracking_url": tracking.tracking_url,
    }


async def shipment(tx: Tx, order_id: str, shipment_id: int) -> dict[str, Any]:
    for found in await read.shipments_of(tx, order_id):
        if found["id"] == shipment_id:
            return found
    raise ShipmentNotFound()


async def mark_delivered(
    tx: Tx,
    order_id: str,
    shipment_id: int,
    *,
    actor: str,
    only: frozenset[int] | None = None,
) -> dict[str, Any]:
    """`only`: the products whose shipments this actor may mark (a seller's own lines)."""
    await locked_status(tx, order_id)
    row = (
        await tx.execute(
            select(Shipment.status, Shipment.carrier, Shipment.tracking_number).where(
                Shipment.id == shipment_id, Shipment.order_id == order_id
            )
        )
    ).first()
    if row is None:
        raise ShipmentNotFound()
    if only is not None:
        products = (
            await tx.execute(
                select(ShipmentLine.product_id).where(ShipmentLine.shipment_id == shipment_id)
            )
        ).scalars()
        if not set(products) <= only:
            raise Forbidden("This shipment holds lines that are not yours to mark delivered.")
    moved = await tx.execute(
        update(Shipment)
        .where(Shipment.id == shipment_id, Shipment.status == SHIPPED)
        .values(status=DELIVERED, delivered_at=utcnow())
    )
    if not moved.rowcount:
        raise BadRequest("This shipment was already marked delivered.")
    await events.record(
        tx,
        order_id,
        DELIVERED,
        f"Delivered ({row.carrier}, tracking number {row.tracking_number}).",
        actor=actor,
        data={"shipment_id": shipment_id},
    )
    return await shipment(tx, order_id, shipment_id)


async def has_shipments(tx: Tx, order_id: str) -> bool:
    return bool(await tx.scalar(select(Shipment.id).where(Shipment.order_id == order_id).limit(1)))
