"""Staff log-in for the back office's JSON API (`/admin/...` on the store)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response

from shopkeep.accounts.logins import token_for_log_in
from shopkeep.accounts.schemas import AccessToken, LogInForm
from shopkeep.deps import DatabaseDep, SettingsDep
from shopkeep.errors import error_responses
from shopkeep.http import JSON
from shopkeep.staff.service import STAFF
from shopkeep.staff.tokens import AUDIENCE

router = APIRouter(tags=["back office"])


@router.post("/admin/auth/token", response_model=AccessToken, responses=error_responses(401, 429))
async def log_in(
    database: DatabaseDep, settings: SettingsDep, form: Annotated[LogInForm, Form()]
) -> Response:
    """Staff log-in, the OAuth2 password flow: a form with `username` and `password`. The
    token opens `/admin/...` and nothing else (it is not a seller's token). Repeated attempts
    for one username are limited (429 with `Retry-After`), as sellers' are."""
    return JSON(await token_for_log_in(database, settings, STAFF, form, audience=AUDIENCE))
