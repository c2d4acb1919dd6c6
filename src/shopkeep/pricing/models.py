from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base, UTCDateTime


class ShippingMethod(Base):
    """A way the shop sends parcels, at a price, free from a (discounted) subtotal if set."""

    __tablename__ = "shipping_methods"
    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    price_cents: Mapped[int] = mapped_column(BigInteger)
    free_from_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Order of display at checkout: lowest first, then by code.
    position: Mapped[int] = mapped_column(Integer, default=0)


class DiscountCode(Base):
    """A code a shopper types for a percentage or a fixed amount off. `code` is kept in upper
    case, so that codes are unique and matched whatever case they are typed in."""

    __tablename__ = "discount_codes"
    __table_args__ = (CheckConstraint("uses >= 0", name="uses_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # percent | fixed
    # A percentage (1..100) or an amount in cents.
    value: Mapped[int] = mapped_column(BigInteger)
    min_subtotal_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    usage_limit: Mapped[int | None] = mapped_column(Integer, default=None)
    # Orders holding a use now (pending or paid): taken at checkout, given back on release.
    uses: Mapped[int] = mapped_column(Integer, default=0)
    once_per_email: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DiscountUse(Base):
    """An order that used a code. `email` is set while the use counts against a code that is
    once per email, so that the unique key refuses a second order of that address; giving the
    use back clears it (NULLs never collide) and stamps `released_at`."""

    __tablename__ = "discount_uses"
    __table_args__ = (UniqueConstraint("code_id", "email"),)

    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    code_id: Mapped[int] = mapped_column(ForeignKey("discount_codes.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
