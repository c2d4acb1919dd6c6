from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base, UTCDateTime
from shopkeep.jobs import JobColumns

# A store payment's statuses: waiting on the provider's page, settled, or called off.
OPEN = "open"
PAID = "paid"
FAILED = "failed"
CANCELLED = "cancelled"
REFUNDED = "refunded"
PARTIALLY_REFUNDED = "partially_refunded"


class PaymentEvent(Base):
    """The inbox of payment callbacks: one row per payment, holding the answer it was given.

    The primary key makes "insert if absent" the idempotency check: a repeated delivery finds
    the row and gets the first answer again, and changes nothing.
    """

    __tablename__ = "payment_events"

    payment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Payment(Base):
    """A payment of an order at the provider, as the store knows it: the hosted payments it
    started and every charge reported to it."""

    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the provider's payment id
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    checkout_url: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentCancellation(JobColumns, Base):
    """An open payment to cancel at the provider, written with the change that made it
    pointless (the order expired, was replaced, or was paid another way)."""

    __tablename__ = "payment_cancellations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payment_id: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
