from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base, UTCDateTime
from shopkeep.jobs import JobColumns


class OutboxMail(JobColumns, Base):
    """One email to send: written in the transaction of the event that causes it, sent after
    the commit by whichever process takes it (see `shopkeep.jobs`).

    The unique key is (order, event, recipient): an event can never mail one recipient twice,
    and the id (hence the Message-ID and the .eml file's name) is derived from that key.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (
        UniqueConstraint("order_id", "event_key", "recipient"),
        Index(None, "state", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    # The event, made unique per occurrence where an order can have several (a refund's id).
    event_key: Mapped[str] = mapped_column(String(100))
    # `customer`, `shop` or `seller:<id>`.
    recipient: Mapped[str] = mapped_column(String(40))
    # None for the shop owner: the address configured when the message is sent.
    to_address: Mapped[str | None] = mapped_column(String(254), default=None)
    # What the event adds to the order's own data (a refund's amount), as JSON.
    context: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How it went out: `smtp`, `file`, or why it was not sent at all.
    delivery: Mapped[str | None] = mapped_column(String(200), default=None)
    subject: Mapped[str | None] = mapped_column(String(300), default=None)
