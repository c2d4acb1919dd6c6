from __future__ import annotations

from datetime import datetime

from sqlalchemy import Computed, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base, UTCDateTime

USERNAME_MAX_LENGTH = 50


class Seller(Base):
    __tablename__ = "sellers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The spelling given at sign-up, shown as is.
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    # What makes a username unique and what log-in compares: "Alice" and "alice" are one seller.
    username_key: Mapped[str] = mapped_column(
        String(USERNAME_MAX_LENGTH), Computed("lower(username)", persisted=True), unique=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    # Where the seller's copy of an order goes; a seller without one gets no email.
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginAttempts(Base):
    """Log-in attempts per username in the current window: the limiter's counter, kept in the
    database so that every store process shares it."""

    __tablename__ = "login_attempts"

    username_key: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer)
