"""Who may see the back office's pages: a staff session (a cookie of its own, scoped to
`/admin`), and the words its pages use for an order's status."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import Depends

from shopkeep.admin.schemas import OrderStatus
from shopkeep.staff.service import STAFF
from shopkeep.web import sessions
from shopkeep.web.portal import Portal, Visit

HOME = "/admin"
STATUSES: tuple[str, ...] = get_args(OrderStatus)
STATUS_WORDS = {
    "pending_payment": "Waiting for payment",
    "paid": "Paid",
    "payment_failed": "Payment failed",
    "expired": "Expired",
    "cancelled": "Cancelled",
}
PORTAL = Portal(
    home=HOME,
    session=sessions.STAFF,
    kind=STAFF,
    account_name="staff",
    log_in_template="admin/login.html",
    log_in_prompt="Log in to the back office.",
)
StaffVisit = Annotated[Visit, Depends(PORTAL.visit)]
