from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base, UTCDateTime

PENDING_PAYMENT = "pending_payment"
PAID = "paid"
PAYMENT_FAILED = "payment_failed"
EXPIRED = "expired"
CANCELLED = "cancelled"

# Orders in these states hold stock: initial stock = stock + units held by them.
HOLDING_STOCK = (PENDING_PAYMENT, PAID)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index(None, "cart_id", "status"),
        Index(None, "status", "expires_at"),
        # The back office's lists and export: newest first, of all orders or of one status.
        Index(None, "created_at", "id"),
        Index(None, "status", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cart_id: Mapped[str] = mapped_column(ForeignKey("carts.id"))
    status: Mapped[str] = mapped_column(String(20))
    total_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payment_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # Set when money arrived that could not pay the order (refunded automatically).
    needs_attention: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The totals frozen at checkout (SPEC §15): total = subtotal - discount + shipping.
    subtotal_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    shipping_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    discount_code: Mapped[str | None] = mapped_column(String(40), default=None)
    shipping_method: Mapped[str | None] = mapped_column(String(40), default=None)
    shipping_name: Mapped[str | None] = mapped_column(String(200), default=None)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),)

    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True, index=True)
    # Snapshots: what the shopper saw and paid, whatever happens to the product later.
    name: Mapped[str] = mapped_column(String(200))
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    # Units of the line in shipments, and put back on the shelf by refunds or a cancel.
    shipped_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    restocked_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The line's share of the order's discount: the line cost price x quantity - this.
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class OrderCustomer(Base):
    """Who an order ships to, as given at checkout: a snapshot, never a link to a live record.
    Orders placed without details (seed 001's API) have no row."""

    __tablename__ = "order_customers"

    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class OrderEvent(Base):
    """One thing that happened to an order: the history the shopper (public events) and the
    staff (all of them) read."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    # Who did it: system, provider, customer, or a staff user or seller by name.
    actor: Mapped[str] = mapped_column(String(80))
    public: Mapped[bool] = mapped_column(Boolean)
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[str | None] = mapped_column(Text, default=None)
