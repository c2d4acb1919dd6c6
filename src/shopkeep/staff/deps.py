"""`CurrentStaff`: the staff member named by the request's bearer token; `staff_router`: a
router of the back office's API, every endpoint of which takes one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shopkeep.accounts.deps import bearer_account
from shopkeep.errors import error_responses
from shopkeep.staff.service import STAFF, SignedInStaff
from shopkeep.staff.tokens import AUDIENCE

current_staff = bearer_account(
    STAFF, audience=AUDIENCE, token_url="admin/auth/token", what="a staff access token"
)

CurrentStaff = Annotated[SignedInStaff, Depends(current_staff)]


def staff_router(prefix: str = "/admin") -> APIRouter:
    return APIRouter(
        prefix=prefix,
        tags=["back office"],
        dependencies=[Depends(current_staff)],
        responses=error_responses(401),
    )
