from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base, UTCDateTime


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
