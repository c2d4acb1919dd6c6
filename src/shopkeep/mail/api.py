"""The outbox in the back office's API, under `/admin/mail` (staff bearer token): every
message with its status, one message's text, and "send it again now" for one that failed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

from shopkeep import upkeep
from shopkeep.deps import DatabaseDep, SettingsDep
from shopkeep.errors import error_responses
from shopkeep.http import JSON
from shopkeep.mail import sender, service
from shopkeep.mail.schemas import MailMessage, MailOut, MailPage, MailQuery
from shopkeep.staff.deps import staff_router

router = staff_router("/admin/mail")

MailId = Annotated[str, Path(max_length=64)]


@router.get("", response_model=MailPage)
async def list_mail(database: DatabaseDep, query: Annotated[MailQuery, Query()]) -> Response:
    """The outbox, newest first: recipient, subject, event, order, status, attempts, the last
    error and when a waiting message is tried next."""
    return JSON(
        await database.read(
            service.mail_page, status=query.status, page=query.page, page_size=query.page_size
        )
    )


@router.get("/{mail_id}", response_model=MailMessage, responses=error_responses(404))
async def get_mail(database: DatabaseDep, settings: SettingsDep, mail_id: MailId) -> Response:
    """One message, with its plain text as sent (or as it would be)."""
    return JSON(await sender.shown(database, settings, mail_id))


@router.post("/{mail_id}/retry", response_model=MailOut, responses=error_responses(400, 404))
async def retry_mail(request: Request, database: DatabaseDep, mail_id: MailId) -> Response:
    """Send a message that failed (or waits for its next try) now; 400 once it was sent."""
    message = await database.write(service.retry_mail, mail_id)
    upkeep.kick(request.app, "mail")
    return JSON(message)
