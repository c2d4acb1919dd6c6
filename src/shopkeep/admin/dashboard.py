"""The back office's dashboard: sales today and over the last 7 days, orders waiting to ship,
and products running low.

Days are UTC days. An order counts as sold on the day it was placed (payment follows within
its time to pay). A paid order waits to ship while a unit of it is neither shipped nor put
back on the shelf.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from shopkeep.catalog.models import Product
from shopkeep.catalog.service import LISTED
from shopkeep.db import Tx, utcnow
from shopkeep.money import as_json_number
from shopkeep.orders.models import PAID, Order, OrderLine
from shopkeep.sellers.models import Seller

LOW_STOCK_SHOWN = 20
WEEK_DAYS = 7


async def _sales_since(tx: Tx, start: datetime) -> dict[str, Any]:
    row = (
        await tx.execute(
            select(func.count().label("orders"), func.sum(Order.total_cents).label("cents")).where(
                Order.status == PAID, Order.created_at >= start
            )
        )
    ).one()
    return {
        "since": start.isoformat(),
        "paid_orders": int(row.orders),
        "revenue": as_json_number(int(row.cents or 0)),
    }


async def dashboard(
    tx: Tx, *, now: datetime | None = None, low_stock_shown: int = LOW_STOCK_SHOWN
) -> dict[str, Any]:
    now = now or utcnow()
    today = datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)
    unshipped = (
        select(OrderLine.order_id)
        .where(
            OrderLine.order_id == Order.id,
            OrderLine.shipped_quantity + OrderLine.restocked_quantity < OrderLine.quantity,
        )
        .exists()
    )
    to_ship = await tx.scalar(
        select(func.count()).select_from(Order).where(Order.status == PAID, unshipped)
    )
    low = Product.stock <= Product.low_stock_threshold
    low_total = await tx.scalar(select(func.count()).select_from(Product).where(LISTED, low))
    low_rows = await tx.execute(
        select(
            Product.id,
            Product.name,
            Product.stock,
            Product.low_stock_threshold,
            Product.seller_id,
        )
        .where(LISTED, low)
        .order_by(Product.stock, Product.id)
        .limit(low_stock_shown)
    )
    return {
        "today": await _sales_since(tx, today),
        "last_7_days": await _sales_since(tx, today - timedelta(days=WEEK_DAYS - 1)),
        "waiting_to_ship": int(to_ship or 0),
        "waiting_by_seller": await waiting_by_seller(tx),
        "low_stock_total": int(low_total or 0),
        "low_stock": [
            {
                "id": row.id,
                "name": row.name,
                "stock": row.stock,
                "low_stock_threshold": row.low_stock_threshold,
                "seller_id": row.seller_id,
            }
            for row in low_rows
        ],
    }


async def waiting_by_seller(tx: Tx) -> list[dict[str, Any]]:
    """Per seller (None: the shop's own products), the paid orders with units of their lines
    neither shipped nor put back; the most waiting first. One row per seller with any."""
    orders = func.count(func.distinct(OrderLine.order_id))
    rows = await tx.execute(
        select(Product.seller_id, Seller.username, orders.label("orders"))
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(Seller, Seller.id == Product.seller_id)
        .where(
            Order.status == PAID,
            OrderLine.shipped_quantity + OrderLine.restocked_quantity < OrderLine.quantity,
        )
        .group_by(Product.seller_id, Seller.username)
    )
    waiting = [
        {"seller_id": row.seller_id, "seller": row.username, "orders": int(row.orders)}
        for row in rows
    ]
    # The databases sort a missing username differently: the shop comes last among equals.
    return sorted(waiting, key=lambda w: (-w["orders"], w["seller"] is None, w["seller"] or ""))
