from __future__ import annotations

from shopkeep.accounts.models import AccountColumns
from shopkeep.db import Base


class Seller(AccountColumns, Base):
    __tablename__ = "sellers"
