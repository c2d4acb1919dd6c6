from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base, UTCDateTime
from shopkeep.jobs import JobColumns


class Refund(JobColumns, Base):
    """A refund the store asks the provider for, kept until the provider has made it (a job:
    retried until it succeeds). The idempotency key makes asking twice refund once."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    payment_id: Mapped[str] = mapped_column(String(64), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    provider_refund_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # The part of the amount that gives back the order's shipping (once per order).
    shipping_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppliedRefund(Base):
    """Refunds the provider made, applied to the store once each (by the provider's id),
    whether its callback or the store's own request told the store first."""

    __tablename__ = "applied_refunds"

    refund_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RefundLine(Base):
    """What a refund by lines gave back: units of order lines, and whether they went back on
    the shelf."""

    __tablename__ = "refund_lines"
    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),)

    refund_id: Mapped[int] = mapped_column(
        ForeignKey("refunds.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    restock: Mapped[bool] = mapped_column(Boolean)
