from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base, UTCDateTime

RESERVE = "reserve"  # checkout takes the units of a pending order off the shelf
RELEASE = "release"  # an order that did not go through gives them back
RESTOCK = "restock"  # refunded units put back on the shelf
ADJUST = "adjust"  # a seller or staff member changes the count (and a product's first stock)
MOVEMENT_TYPES = (RESERVE, RELEASE, RESTOCK, ADJUST)


class StockMovement(Base):
    """One change of one product's stock: `quantity` units, signed (taken off the shelf is
    negative), with the order it belongs to or the person who made it."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        CheckConstraint("type IN ('reserve', 'release', 'restock', 'adjust')", name="type_known"),
        # A product's movements newest first, and their sum.
        Index(None, "product_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    type: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"), default=None, index=True)
    # Who: system, customer, or a staff member or seller by name ("staff:olivia").
    actor: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
