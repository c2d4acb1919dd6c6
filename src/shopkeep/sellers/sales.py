"""A seller's sales: units and revenue per product over a range of days.

Counted: the seller's lines of paid orders placed on those UTC days (cancelled orders are no
sale). Net of refunds by lines that the provider carried out: those units and their price
come off. A refund of an amount names no line, so it is not taken from any product.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from shopkeep import jobs
from shopkeep.admin.export import csv_text
from shopkeep.admin.orders import OrderFilter, conditions
from shopkeep.db import Tx
from shopkeep.fulfilment.sellers import own_line
from shopkeep.money import as_json_number
from shopkeep.orders.models import PAID, Order, OrderLine
from shopkeep.refunds.models import Refund, RefundLine

CSV_HEADER = ("product_id", "product_name", "units_sold", "units_refunded", "units", "revenue")


async def sales_report(tx: Tx, seller_id: int, first_day: date, last_day: date) -> dict[str, Any]:
    """Per product, most revenue first; both days inclusive."""
    refunded = (
        select(
            Refund.order_id,
            RefundLine.product_id,
            func.sum(RefundLine.quantity).label("units"),
        )
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(Refund.state == jobs.DONE)
        .group_by(Refund.order_id, RefundLine.product_id)
        .subquery()
    )
    back = func.coalesce(refunded.c.units, 0)
    revenue = func.sum((OrderLine.quantity - back) * OrderLine.unit_price_cents)
    days = conditions(OrderFilter(status=PAID, created_from=first_day, created_to=last_day))
    rows = await tx.execute(
        select(
            OrderLine.product_id,
            func.max(OrderLine.name).label("name"),
            func.sum(OrderLine.quantity).label("sold"),
            func.sum(back).label("refunded"),
            revenue.label("revenue_cents"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(
            refunded,
            (refunded.c.order_id == OrderLine.order_id)
            & (refunded.c.product_id == OrderLine.product_id),
        )
        .where(own_line(seller_id), *days)
        .group_by(OrderLine.product_id)
        .order_by(revenue.desc(), OrderLine.product_id)
    )
    products = [
        {
            "product_id": row.product_id,
            "name": row.name,
            "units_sold": int(row.sold),
            "units_refunded": int(row.refunded),
            "units": int(row.sold) - int(row.refunded),
            "revenue_cents": int(row.revenue_cents),
        }
        for row in rows
    ]
    return {
        "from": first_day.isoformat(),
        "to": last_day.isoformat(),
        "products": [_public(p) for p in products],
        "units": sum(p["units"] for p in products),
        "revenue": as_json_number(sum(p["revenue_cents"] for p in products)),
    }


def _public(product: dict[str, Any]) -> dict[str, Any]:
    shown = {key: value for key, value in product.items() if key != "revenue_cents"}
    return {**shown, "revenue": as_json_number(product["revenue_cents"])}


def _amount(value: float | int) -> str:
    return f"{value:.2f}"


def sales_csv(report: dict[str, Any]) -> str:
    """The report as CSV, spreadsheet-safe (product names come from sellers)."""
    rows = [
        (
            p["product_id"],
            p["name"],
            p["units_sold"],
            p["units_refunded"],
            p["units"],
            _amount(p["revenue"]),
        )
        for p in report["products"]
    ]
    return csv_text([CSV_HEADER, *rows])
