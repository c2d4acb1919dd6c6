"""An order's shipments and the fulfilment status they make, as the customer and staff read
them (no writes here: the order's own reads use it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from shopkeep.db import Tx
from shopkeep.fulfilment.models import DELIVERED, Shipment, ShipmentLine
from shopkeep.orders.models import OrderLine

UNFULFILLED = "unfulfilled"
PARTIALLY_SHIPPED = "partially_shipped"
SHIPPED = "shipped"


async def shipments_of(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """The order's shipments, oldest first, each with its lines."""
    shipments = (
        await tx.execute(
            select(Shipment.__table__).where(Shipment.order_id == order_id).order_by(Shipment.id)
        )
    ).all()
    if not shipments:
        return []
    lines = await tx.execute(
        select(
            ShipmentLine.shipment_id, ShipmentLine.product_id, ShipmentLine.quantity, OrderLine.name
        )
        .join(
            OrderLine,
            (OrderLine.product_id == ShipmentLine.product_id) & (OrderLine.order_id == order_id),
        )
        .where(ShipmentLine.shipment_id.in_([s.id for s in shipments]))
        .order_by(ShipmentLine.shipment_id, ShipmentLine.product_id)
    )
    by_shipment: dict[int, list[dict[str, Any]]] = {}
    for line in lines:
        by_shipment.setdefault(line.shipment_id, []).append(
            {"product_id": line.product_id, "name": line.name, "quantity": line.quantity}
        )
    return [
        {
            "id": s.id,
            "lines": by_shipment.get(s.id, []),
            "carrier": s.carrier,
            "tracking_number": s.tracking_number,
            "tracking_url": s.tracking_url,
            "status": s.status,
            "shipped_at": s.created_at.isoformat(),
            "delivered_at": None if s.delivered_at is None else s.delivered_at.isoformat(),
        }
        for s in shipments
    ]


async def fulfilment_status(tx: Tx, order_id: str, shipments: list[dict[str, Any]]) -> str:
    """unfulfilled → partially_shipped → shipped → delivered (every shipment delivered, and
    every unit still due shipped). Units put back on the shelf are no longer due."""
    if not shipments:
        return UNFULFILLED
    row = (
        await tx.execute(
            select(
                func.coalesce(func.sum(OrderLine.quantity - OrderLine.restocked_quantity), 0),
                func.coalesce(func.sum(OrderLine.shipped_quantity), 0),
            ).where(OrderLine.order_id == order_id)
        )
    ).one()
    due, shipped = (int(value) for value in row)
    if shipped < due:
        return PARTIALLY_SHIPPED
    if all(s["status"] == DELIVERED for s in shipments):
        return DELIVERED
    return SHIPPED


async def fulfilment_of(tx: Tx, order_id: str) -> dict[str, Any]:
    shipments = await shipments_of(tx, order_id)
    return {
        "fulfilment_status": await fulfilment_status(tx, order_id, shipments),
        "shipments": shipments,
    }
