from __future__ import annotations

from shopkeep.accounts.models import AccountColumns
from shopkeep.db import Base


class Staff(AccountColumns, Base):
    """A staff member's account: made on the command line (`shopkeep staff create`), never
    by signing up."""

    __tablename__ = "staff"
