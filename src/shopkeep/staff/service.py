"""Staff accounts, by the rules every account shares (`shopkeep.accounts`)."""

from __future__ import annotations

from shopkeep.accounts.service import AccountKind, SignedIn, signed_in
from shopkeep.db import Tx
from shopkeep.staff.models import Staff

STAFF = AccountKind("staff", Staff)
# The staff member a session or an access token was issued to.
SignedInStaff = SignedIn


async def signed_in_staff(tx: Tx, staff_id: int) -> SignedInStaff | None:
    return await signed_in(tx, STAFF, staff_id)
