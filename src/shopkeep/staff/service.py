"""Staff accounts, by the rules every account shares (`shopkeep.accounts`)."""

from __future__ import annotations

from shopkeep.accounts.service import AccountKind, SignedIn
from shopkeep.staff.models import Staff

STAFF = AccountKind("staff", Staff)
# The staff member a session or an access token was issued to.
SignedInStaff = SignedIn
