from __future__ import annotations

from datetime import datetime

from sqlalchemy import Computed, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base, UTCDateTime

USERNAME_MAX_LENGTH = 50


class AccountColumns:
    """The columns of every account table (sellers, staff): mix into the table's model."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The spelling given at sign-up, shown as is.
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    # What makes a username unique and what log-in compares: "Alice" and "alice" are one account.
    username_key: Mapped[str] = mapped_column(
        String(USERNAME_MAX_LENGTH), Computed("lower(username)", persisted=True), unique=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginAttempts(Base):
    """Log-in attempts per kind of account and username in the current window: the limiter's
    counter, kept in the database so that every process shares it."""

    __tablename__ = "login_attempts"

    # Which accounts the username is tried against ("seller", "staff"): a seller's guesses
    # never hold up a staff member of the same name.
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    username_key: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer)
