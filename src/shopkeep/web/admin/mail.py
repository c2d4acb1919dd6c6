"""The mail outbox in the back office at `/admin/mail`: every message with its status, attempts,
last error and next try (filtered by status), one message's text, and "send it again now" for
one that failed. The same services as the API's `/admin/mail`."""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from shopkeep.errors import ShopError
from shopkeep.mail import sender, service
from shopkeep.mail.schemas import MailStatus
from shopkeep.upkeep import kick as upkeep_kick
from shopkeep.web.admin.pages import PAGE_SIZE
from shopkeep.web.admin.visit import HOME, StaffVisit
from shopkeep.web.deps import CheckedForm
from shopkeep.web.pages import redirect
from shopkeep.web.portal import Visit, page_asked, paging

router = APIRouter()

MAIL = f"{HOME}/mail"
STATUSES: tuple[str, ...] = get_args(MailStatus)
STATUS_WORDS = {"waiting": "Waiting", "done": "Sent", "failed": "Failed"}


def status_words(message: dict[str, Any]) -> str:
    """What became of a message, in a few words."""
    if message["status"] == "waiting" and message["last_error"]:
        return "Waiting; the last try failed"
    if message["status"] == "done" and str(message["delivery"] or "").startswith("not sent"):
        return "Not sent"
    return STATUS_WORDS[message["status"]]


@router.get("/admin/mail", response_class=HTMLResponse)
async def mail_list(visit: StaffVisit) -> Response:
    return await _list_page(visit)


async def _list_page(visit: Visit, *, problem: str = "", status: int = 200) -> Response:
    visit.logged_in()
    asked = visit.request.query_params.get("status", "")
    shown = asked if asked in STATUSES else None
    page = page_asked(visit.request)
    listed = await visit.database.read(
        service.mail_page, status=shown, page=page, page_size=PAGE_SIZE
    )
    return visit.page(
        "admin/mail.html",
        {
            "listed": listed,
            "paging": paging(listed["total"], page, PAGE_SIZE),
            "status": shown or "",
            "statuses": [(value, STATUS_WORDS[value]) for value in STATUSES],
            "words": status_words,
            "list_base": f"{MAIL}?{f'status={shown}&' if shown else ''}",
            "problem": problem,
        },
        badge=await visit.badge(),
        status=status,
    )


@router.get("/admin/mail/{mail_id}", response_class=HTMLResponse)
async def mail_page(visit: StaffVisit, mail_id: str) -> Response:
    visit.logged_in()
    message = await sender.shown(visit.database, visit.settings, mail_id[:64])
    return visit.page(
        "admin/mail_message.html",
        {"message": message, "words": status_words},
        badge=await visit.badge(),
    )


@router.post("/admin/mail/{mail_id}/retry")
async def retry_mail(visit: StaffVisit, mail_id: str, form: CheckedForm) -> Response:
    visit.logged_in()
    try:
        await visit.database.write(service.retry_mail, mail_id[:64])
    except service.MailNotFound:
        raise
    except ShopError as error:
        return await _list_page(visit, problem=error.detail, status=400)
    upkeep_kick(visit.request.app, "mail")
    return redirect(visit.request, f"{MAIL}/{mail_id}", flash="Sending it again now.")
