"""`CurrentStaff`: the staff member named by the request's bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shopkeep.accounts.deps import bearer_account
from shopkeep.staff.service import STAFF, SignedInStaff
from shopkeep.staff.tokens import AUDIENCE

current_staff = bearer_account(
    STAFF, audience=AUDIENCE, token_url="admin/auth/token", what="a staff access token"
)

CurrentStaff = Annotated[SignedInStaff, Depends(current_staff)]
