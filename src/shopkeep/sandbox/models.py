"""The sandbox's own tables: payments, refunds, idempotency keys, the callback outbox, and
every delivery attempt.

They live in their own metadata and database; the store never reads them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, MetaData, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shopkeep.db import NAMING_CONVENTION, UTCDateTime

# Payment statuses.
REQUIRES_PAYMENT_METHOD = "requires_payment_method"
SUCCEEDED = "succeeded"
FAILED = "failed"
# Cancelled by the merchant before it was paid: its page can no longer be paid.
CANCELLED = "cancelled"

# Callback states: owed to the store, acknowledged by it, or given up after the retry horizon.
PENDING = "pending"
DELIVERED = "delivered"
ABANDONED = "abandoned"


class SandboxBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Payment(SandboxBase):
    __tablename__ = "sandbox_payments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    failure_code: Mapped[str | None] = mapped_column(String(32))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    return_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Refund(SandboxBase):
    """Money given back on a succeeded payment; refunds of one payment never sum above it."""

    __tablename__ = "sandbox_refunds"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey(Payment.id), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyKey(SandboxBase):
    """An `Idempotency-Key` already used, with a digest of the request it came with and what
    that request made. The primary key is the guarantee: of requests racing with one key, one
    inserts the row and acts; the others find it and answer with what it made."""

    __tablename__ = "sandbox_idempotency_keys"

    # What the key is used for: `payment`, or `refund:<payment id>`.
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Callback(SandboxBase):
    """A callback owed to the store, written in the same transaction as what it reports (so a
    payment is never processed, nor a refund made, without its callback on record): one per
    processed payment, and one per refund."""

    __tablename__ = "sandbox_callbacks"
    __table_args__ = (
        Index("ix_sandbox_callbacks_due", "state", "next_attempt_at"),
        Index(
            "uq_sandbox_callbacks_payment_result",
            "payment_id",
            unique=True,
            sqlite_where=text("refund_id IS NULL"),
            postgresql_where=text("refund_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey(Payment.id))
    refund_id: Mapped[str | None] = mapped_column(ForeignKey(Refund.id), unique=True)
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # While a process is sending, no other process may: a lease that lapses if it dies.
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryAttempt(SandboxBase):
    __tablename__ = "sandbox_delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey(Callback.id), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
