"""What the seller portal (`/sell`) and the back office (`/admin`) share: a visit that knows
who is logged in (or sends them to log in), pages in the portal's layout, the log-in and
log-out forms with the accounts' own limiter, the focus after an error, and pages of a list.

Each portal is a `Portal`: its home path, its session cookie, its kind of account and its
log-in page. Forms post normally and redirect back (POST-redirect-GET);
refused input comes back in the form, each problem next to its field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from pydantic import ValidationError

from shopkeep.accounts import logins
from shopkeep.accounts.logins import BadCredentials
from shopkeep.accounts.schemas import LogInForm
from shopkeep.accounts.service import AccountKind, SignedIn, TooManyLogins, signed_in
from shopkeep.catalog.schemas import MAX_PAGE
from shopkeep.config import Settings
from shopkeep.db import Database, Tx
from shopkeep.web import format
from shopkeep.web.deps import DatabaseDep, RendererDep, SettingsDep
from shopkeep.web.filters import page_links
from shopkeep.web.forms import parse_id, safe_next
from shopkeep.web.pages import Badge, Renderer, cart_badge, cart_id_of, redirect
from shopkeep.web.sessions import SessionCookie

LOG_IN_FIELDS = ("username", "password")


class LogInFirst(Exception):
    """Raised by a route that needs a logged-in visitor; the app answers with `response` (to
    the log-in form, and back afterwards)."""

    def __init__(self, response: Response) -> None:
        super().__init__("log in first")
        self.response = response


@dataclass(frozen=True, slots=True)
class Portal:
    home: str
    session: SessionCookie
    kind: AccountKind
    # What templates call the logged-in account ("seller", "staff").
    account_name: str
    log_in_template: str
    # Said above the log-in form to a visitor sent there from another page.
    log_in_prompt: str
    # What the layout's bar shows a logged-in account besides its name (the seller's orders
    # to ship), read on every page of the portal.
    header: Callable[[Tx, SignedIn], Awaitable[dict[str, Any]]] | None = None

    def path(self, target: str | None) -> str:
        """Where to go after logging in: a page of this portal, never elsewhere."""
        path = safe_next(target, self.home)
        home = self.home
        return path if path == home or path.startswith((home + "/", home + "?")) else home

    async def account(
        self, request: Request, database: DatabaseDep, settings: SettingsDep
    ) -> SignedIn | None:
        """The account of a genuine, unexpired session cookie, if that account still exists."""
        account_id = self.session.account_id_of(request, settings.resolved_session_secret)
        if account_id is None:
            return None
        return await database.read(signed_in, self.kind, account_id)

    async def visit(
        self,
        request: Request,
        database: DatabaseDep,
        renderer: RendererDep,
        settings: SettingsDep,
    ) -> Visit:
        """A dependency: this request to the portal, with its logged-in account if any."""
        account = await self.account(request, database, settings)
        header = {}
        if account is not None and self.header is not None:
            header = await database.read(self.header, account)
        return Visit(self, request, database, renderer, settings, account, header)


@dataclass(frozen=True, slots=True)
class Visit:
    """One request to a portal: what its routes need to answer it."""

    portal: Portal
    request: Request
    database: Database
    renderer: Renderer
    settings: Settings
    account: SignedIn | None
    header: dict[str, Any] = field(default_factory=dict)

    def logged_in(self) -> SignedIn:
        """The logged-in account; LogInFirst (to the log-in form) without one."""
        if self.account is None:
            raise LogInFirst(self.to_log_in())
        return self.account

    async def badge(self) -> Badge:
        return await self.database.read(cart_badge, cart_id_of(self.request))

    def page(
        self,
        template: str,
        context: dict[str, Any],
        *,
        badge: Badge,
        status: int = 200,
    ) -> Response:
        """A page in the portal's layout, which shows who is logged in."""
        response = self.renderer.page(
            self.request,
            template,
            {self.portal.account_name: self.account, **self.header, **context},
            badge=badge,
            status=status,
        )
        self.forget_stale_session(response)
        return response

    def forget_stale_session(self, response: Response) -> None:
        """A session cookie that names no account (forged, expired, or the account is gone)
        goes."""
        if self.account is None and self.portal.session.name in self.request.cookies:
            self.portal.session.end(response, self.request)

    def to_log_in(self) -> Response:
        """Send a visitor without a session to the log-in form, and back here afterwards."""
        flash = self.portal.log_in_prompt
        if self.request.method != "GET":
            flash = "Log in again to continue. Nothing was changed."
        target = f"{self.portal.home}/login?next={quote(self.request.url.path, safe='/')}"
        response = redirect(self.request, target, flash=flash)
        self.forget_stale_session(response)
        return response

    def start_session(self, response: Response, account_id: int) -> None:
        secret = self.settings.resolved_session_secret
        self.portal.session.start(response, self.request, secret, account_id)

    async def log_in_page(
        self,
        *,
        username: str = "",
        next_path: str | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        errors = errors or {}
        return self.page(
            self.portal.log_in_template,
            {
                "username": username,
                "next_path": next_path or self.portal.home,
                "errors": errors,
                "focus": "username" if "form" in errors else first_error(errors, LOG_IN_FIELDS),
            },
            badge=await self.badge(),
            status=status,
        )

    async def log_in_form(self) -> Response:
        """GET of the log-in page (a logged-in visitor goes on to where they were going)."""
        next_path = self.portal.path(self.request.query_params.get("next"))
        if self.account is not None:
            return redirect(self.request, next_path)
        return await self.log_in_page(next_path=next_path)

    async def log_in(self, form: dict[str, str]) -> Response:
        """The posted log-in form: a session and on to the page asked for, or the form again
        with what was wrong (429 with `Retry-After` past the accounts' limiter)."""
        username = form.get("username", "").strip()
        password = form.get("password", "")
        next_path = self.portal.path(form.get("next"))
        errors = log_in_errors(username, password)
        status = 400
        retry_after: dict[str, str] = {}
        if not errors:
            try:
                if not could_be_credentials(username, password):
                    raise BadCredentials()
                account = await logins.log_in(
                    self.database,
                    self.portal.kind,
                    username,
                    password,
                    limit=self.settings.login_attempts,
                    window=timedelta(seconds=self.settings.login_window_seconds),
                )
            except BadCredentials:
                errors["form"] = "Incorrect username or password."
            except TooManyLogins as error:
                wait = format.plural(error.retry_after_seconds, "second")
                errors["form"] = f"Too many attempts, try again in {wait}."
                status = 429
                retry_after = error.response_headers() or {}
            else:
                welcome = redirect(
                    self.request, next_path, flash=f"Welcome back, {account.username}."
                )
                self.start_session(welcome, account.id)
                return welcome
        response = await self.log_in_page(
            username=username, next_path=next_path, errors=errors, status=status
        )
        response.headers.update(retry_after)
        return response

    def log_out(self) -> Response:
        response = redirect(self.request, self.portal.home, flash="You are logged out.")
        self.portal.session.end(response, self.request)
        return response


def first_error(errors: dict[str, str], order: tuple[str, ...]) -> str:
    """The field to put the focus in: the first one, in the form's order, with a problem."""
    return next((name for name in order if name in errors), "")


def log_in_errors(username: str, password: str) -> dict[str, str]:
    """Fields left empty; anything else is for the log-in itself to judge."""
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = "Enter your username."
    if not password:
        errors["password"] = "Enter your password."
    return errors


def could_be_credentials(username: str, password: str) -> bool:
    """Whether the API's log-in form would take these at all; longer ones cannot match an
    account, and are not worth a password hash."""
    try:
        LogInForm(username=username, password=password)
    except ValidationError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Paging:
    """Where a list page is among the list's pages: the links a pagination bar offers."""

    page: int
    last_page: int
    pages: list[int | None]


def page_asked(request: Request) -> int:
    """The `page` of the address: 1 unless it is a page number."""
    return min(parse_id(request.query_params.get("page")) or 1, MAX_PAGE)


def paging(total: int, page: int, page_size: int) -> Paging:
    last_page = max(1, -(-total // page_size))
    return Paging(page=page, last_page=last_page, pages=page_links(page, last_page))
