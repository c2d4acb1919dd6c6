from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.accounts.models import AccountColumns
from shopkeep.db import Base


class Seller(AccountColumns, Base):
    __tablename__ = "sellers"

    # Where the seller's copy of an order goes; a seller without one gets no email.
    email: Mapped[str | None] = mapped_column(String(254), default=None)
