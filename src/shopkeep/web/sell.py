"""The seller portal at `/sell`: signing up, logging in and out, and managing one's products.

The routes call the sellers' own services (accounts, products) and the catalog, as the API
does: the same rules, the same ownership checks, the same log-in limiter. A seller's session is
a signed cookie (see `sessions`). Forms post normally and redirect back (POST-redirect-GET);
refused input comes back in the form, each problem next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from shopkeep.accounts import passwords
from shopkeep.accounts.models import USERNAME_MAX_LENGTH
from shopkeep.catalog import service as catalog
from shopkeep.catalog.schemas import MAX_PAGE
from shopkeep.db import Tx
from shopkeep.sellers import accounts, products, service
from shopkeep.sellers.service import SignedInSeller
from shopkeep.web import format, sessions
from shopkeep.web.deps import CheckedForm, DatabaseDep, RendererDep, SettingsDep
from shopkeep.web.filters import page_links
from shopkeep.web.forms import parse_id, safe_next
from shopkeep.web.pages import Badge, Renderer, cart_badge, cart_id_of, redirect
from shopkeep.web.seller_forms import (
    CHOOSE_CATEGORY,
    PRODUCT_FIELDS,
    changes_of,
    could_be_credentials,
    log_in_errors,
    product_values,
    read_product,
    read_stock,
    sign_up_errors,
)
from shopkeep.web.shop import Card, card

router = APIRouter()

HOME = "/sell"
PAGE_SIZE = 20
SIGN_UP_FIELDS = ("username", "password", "password_again")
LOG_IN_FIELDS = ("username", "password")
# The sign-up form's hints, from the rules themselves.
SIGN_UP_RULES = {
    "username": service.USERNAME_RULE,
    "username_max": USERNAME_MAX_LENGTH,
    "password_min": passwords.MIN_LENGTH,
}


async def session_seller(
    request: Request, database: DatabaseDep, settings: SettingsDep
) -> SignedInSeller | None:
    """The seller of a genuine, unexpired session cookie, if that seller still exists."""
    seller_id = sessions.seller_id_of(request, settings.resolved_session_secret)
    if seller_id is None:
        return None
    return await database.read(service.signed_in_seller, seller_id)


SessionSeller = Annotated[SignedInSeller | None, Depends(session_seller)]


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of the seller's products, newest first."""

    total: int
    cards: list[Card]
    category_names: dict[int, str]
    badge: Badge


async def listing(tx: Tx, seller_id: int, page: int, cart_id: str | None) -> Listing:
    query = catalog.ProductQuery(
        seller_id=seller_id, sort_by="id", order="desc", page=page, page_size=PAGE_SIZE
    )
    found = await catalog.search_products(tx, query)
    return Listing(
        total=found["total"],
        cards=[card(product) for product in found["products"]],
        category_names={c["id"]: c["name"] for c in await catalog.list_categories(tx)},
        badge=await cart_badge(tx, cart_id),
    )


@dataclass(frozen=True, slots=True)
class FormView:
    """What a product form needs: the categories, and the product when editing one."""

    categories: list[dict[str, Any]]
    badge: Badge
    product: dict[str, Any] | None = field(default=None)


async def form_view(
    tx: Tx, seller_id: int, product_id: int | None, cart_id: str | None
) -> FormView:
    """Refuses (403, 404) a product that is not one of the seller's, as changing it would."""
    product = None
    if product_id is not None:
        product = await products.get_own_product(tx, seller_id, product_id)
    return FormView(
        categories=await catalog.list_categories(tx),
        badge=await cart_badge(tx, cart_id),
        product=product,
    )


async def delete_own_product(tx: Tx, seller_id: int, product_id: int) -> str:
    """Take one of the seller's products out of the shop; returns its name."""
    product = await products.get_own_product(tx, seller_id, product_id)
    await products.delete_product(tx, seller_id, product_id)
    name: str = product["name"]
    return name


def _product_id(text: str) -> int:
    parsed = parse_id(text)
    if parsed is None:
        raise catalog.ProductNotFound()
    return parsed


def _portal_path(target: str | None) -> str:
    """Where to go after logging in: a page of the portal, never elsewhere."""
    path = safe_next(target, HOME)
    return path if path == HOME or path.startswith((HOME + "/", HOME + "?")) else HOME


def _first_error(errors: dict[str, str], order: tuple[str, ...]) -> str:
    """The field to put the focus in: the first one, in the form's order, with a problem."""
    return next((name for name in order if name in errors), "")


def _page(
    request: Request,
    renderer: Renderer,
    template: str,
    context: dict[str, Any],
    *,
    seller: SignedInSeller | None,
    badge: Badge,
    status: int = 200,
) -> Response:
    response = renderer.page(
        request, template, {"seller": seller, **context}, badge=badge, status=status
    )
    _forget_stale_session(request, response, seller)
    return response


def _forget_stale_session(
    request: Request, response: Response, seller: SignedInSeller | None
) -> None:
    """A session cookie that names no seller (forged, expired, or the seller is gone) goes."""
    if seller is None and sessions.COOKIE in request.cookies:
        sessions.end(response, request)


def _to_log_in(request: Request) -> Response:
    """Send a visitor without a session to the log-in form, and back here afterwards."""
    flash = "Log in to manage your products."
    if request.method != "GET":
        flash = "Log in again to continue. Nothing was changed."
    target = f"{HOME}/login?next={quote(request.url.path, safe='/')}"
    response = redirect(request, target, flash=flash)
    _forget_stale_session(request, response, None)
    return response


async def _badge(request: Request, database: DatabaseDep) -> Badge:
    return await database.read(cart_badge, cart_id_of(request))


# Signing up, logging in and out


async def _log_in_page(
    request: Request,
    database: DatabaseDep,
    renderer: Renderer,
    *,
    username: str = "",
    next_path: str = HOME,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    errors = errors or {}
    return _page(
        request,
        renderer,
        "sell/login.html",
        {
            "username": username,
            "next_path": next_path,
            "errors": errors,
            "focus": "username" if "form" in errors else _first_error(errors, LOG_IN_FIELDS),
        },
        seller=None,
        badge=await _badge(request, database),
        status=status,
    )


@router.get("/sell", response_class=HTMLResponse)
async def dashboard(
    request: Request, database: DatabaseDep, renderer: RendererDep, seller: SessionSeller
) -> Response:
    if seller is None:
        return await _log_in_page(request, database, renderer)
    page = min(parse_id(request.query_params.get("page")) or 1, MAX_PAGE)
    view = await database.read(listing, seller.id, page, cart_id_of(request))
    last_page = max(1, -(-view.total // PAGE_SIZE))
    return _page(
        request,
        renderer,
        "sell/dashboard.html",
        {"view": view, "page": page, "last_page": last_page, "pages": page_links(page, last_page)},
        seller=seller,
        badge=view.badge,
    )


@router.get("/sell/login", response_class=HTMLResponse)
async def log_in_page(
    request: Request, database: DatabaseDep, renderer: RendererDep, seller: SessionSeller
) -> Response:
    next_path = _portal_path(request.query_params.get("next"))
    if seller is not None:
        return redirect(request, next_path)
    return await _log_in_page(request, database, renderer, next_path=next_path)


@router.post("/sell/login")
async def log_in(
    request: Request,
    database: DatabaseDep,
    renderer: RendererDep,
    settings: SettingsDep,
    form: CheckedForm,
) -> Response:
    username = form.get("username", "").strip()
    password = form.get("password", "")
    next_path = _portal_path(form.get("next"))
    errors = log_in_errors(username, password)
    status = 400
    retry_after: dict[str, str] = {}
    if not errors:
        try:
            if not could_be_credentials(username, password):
                raise accounts.BadCredentials()
            seller = await accounts.log_in(
                database,
                username,
                password,
                limit=settings.login_attempts,
                window=timedelta(seconds=settings.login_window_seconds),
            )
        except accounts.BadCredentials:
            errors["form"] = "Incorrect username or password."
        except service.TooManyLogins as error:
            wait = format.plural(error.retry_after_seconds, "second")
            errors["form"] = f"Too many attempts, try again in {wait}."
            status = 429
            retry_after = error.response_headers() or {}
        else:
            welcome = redirect(request, next_path, flash=f"Welcome back, {seller.username}.")
            sessions.start(welcome, request, settings.resolved_session_secret, seller.id)
            return welcome
    response = await _log_in_page(
        request,
        database,
        renderer,
        username=username,
        next_path=next_path,
        errors=errors,
        status=status,
    )
    response.headers.update(retry_after)
    return response


@router.get("/sell/signup", response_class=HTMLResponse)
async def sign_up_page(
    request: Request, database: DatabaseDep, renderer: RendererDep, seller: SessionSeller
) -> Response:
    if seller is not None:
        return redirect(request, HOME)
    return _page(
        request,
        renderer,
        "sell/signup.html",
        {"username": "", "errors": {}, "focus": "", "rules": SIGN_UP_RULES},
        seller=None,
        badge=await _badge(request, database),
    )


@router.post("/sell/signup")
async def sign_up(
    request: Request,
    database: DatabaseDep,
    renderer: RendererDep,
    settings: SettingsDep,
    form: CheckedForm,
) -> Response:
    username = form.get("username", "").strip()
    password = form.get("password", "")
    errors = sign_up_errors(username, password, form.get("password_again", ""))
    status = 400
    if not errors:
        try:
            seller = await accounts.sign_up(database, username, password)
        except service.UsernameTaken:
            errors["username"] = "That username is taken: choose another, or log in."
            status = 409
        else:
            response = redirect(
                request,
                HOME,
                flash=f"Welcome, {seller['username']}! Your seller account is ready.",
            )
            sessions.start(response, request, settings.resolved_session_secret, seller["id"])
            return response
    return _page(
        request,
        renderer,
        "sell/signup.html",
        {
            "username": username,
            "errors": errors,
            "focus": _first_error(errors, SIGN_UP_FIELDS),
            "rules": SIGN_UP_RULES,
        },
        seller=None,
        badge=await _badge(request, database),
        status=status,
    )


@router.post("/sell/logout")
async def log_out(request: Request, form: CheckedForm) -> Response:
    response = redirect(request, HOME, flash="You are logged out.")
    sessions.end(response, request)
    return response


# The seller's products


def _product_form(
    request: Request,
    renderer: Renderer,
    seller: SignedInSeller,
    view: FormView,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return _page(
        request,
        renderer,
        "sell/product_form.html",
        {
            "view": view,
            "values": values,
            "errors": errors,
            "focus": _first_error(errors, PRODUCT_FIELDS),
        },
        seller=seller,
        badge=view.badge,
        status=status,
    )


@router.get("/sell/products/new", response_class=HTMLResponse)
async def new_product_page(
    request: Request, database: DatabaseDep, renderer: RendererDep, seller: SessionSeller
) -> Response:
    if seller is None:
        return _to_log_in(request)
    view = await database.read(form_view, seller.id, None, cart_id_of(request))
    values = {name: "" for name in PRODUCT_FIELDS}
    return _product_form(request, renderer, seller, view, values=values, errors={})


@router.post("/sell/products/new")
async def create_product(
    request: Request,
    database: DatabaseDep,
    renderer: RendererDep,
    form: CheckedForm,
    seller: SessionSeller,
) -> Response:
    if seller is None:
        return _to_log_in(request)
    posted = read_product(form)
    errors = dict(posted.errors)
    if posted.product is not None:
        try:
            created = await database.write(products.create_product, seller.id, posted.product)
        except products.UnknownCategory:
            errors["category_id"] = CHOOSE_CATEGORY
        else:
            return redirect(request, HOME, flash=f"Added {created['name']} to the shop.")
    view = await database.read(form_view, seller.id, None, cart_id_of(request))
    return _product_form(
        request, renderer, seller, view, values=posted.values, errors=errors, status=400
    )


@router.get("/sell/products/{product_id}/edit", response_class=HTMLResponse)
async def edit_product_page(
    request: Request,
    database: DatabaseDep,
    renderer: RendererDep,
    seller: SessionSeller,
    product_id: str,
) -> Response:
    if seller is None:
        return _to_log_in(request)
    view = await database.read(form_view, seller.id, _product_id(product_id), cart_id_of(request))
    assert view.product is not None
    values = product_values(view.product)
    return _product_form(request, renderer, seller, view, values=values, errors={})


@router.post("/sell/products/{product_id}/edit")
async def update_product(
    request: Request,
    database: DatabaseDep,
    renderer: RendererDep,
    form: CheckedForm,
    seller: SessionSeller,
    product_id: str,
) -> Response:
    if seller is None:
        return _to_log_in(request)
    parsed = _product_id(product_id)
    posted = read_product(form)
    errors = dict(posted.errors)
    if posted.product is not None:
        try:
            saved = await database.write(
                products.update_product, seller.id, parsed, changes_of(posted.product)
            )
        except products.UnknownCategory:
            errors["category_id"] = CHOOSE_CATEGORY
        else:
            return redirect(request, HOME, flash=f"Saved your changes to {saved['name']}.")
    # Refuses another seller's product before showing anything of it.
    view = await database.read(form_view, seller.id, parsed, cart_id_of(request))
    return _product_form(
        request, renderer, seller, view, values=posted.values, errors=errors, status=400
    )


@router.post("/sell/products/{product_id}/stock")
async def set_stock(
    request: Request,
    database: DatabaseDep,
    form: CheckedForm,
    seller: SessionSeller,
    product_id: str,
) -> Response:
    """The product list's quick stock control."""
    if seller is None:
        return _to_log_in(request)
    parsed = _product_id(product_id)
    units, problem = read_stock(form)
    if units is None:
        # Refuses another seller's product before saying anything about it.
        await database.read(form_view, seller.id, parsed, None)
        return redirect(request, HOME, flash=f"Stock not changed: {problem}")
    saved = await database.write(products.update_product, seller.id, parsed, {"stock": units})
    return redirect(request, HOME, flash=f"{saved['name']} now has {units:,} in stock.")


@router.get("/sell/products/{product_id}/delete", response_class=HTMLResponse)
async def delete_product_page(
    request: Request,
    database: DatabaseDep,
    renderer: RendererDep,
    seller: SessionSeller,
    product_id: str,
) -> Response:
    """Asks first: a page with one button, so that it works without JavaScript."""
    if seller is None:
        return _to_log_in(request)
    view = await database.read(form_view, seller.id, _product_id(product_id), cart_id_of(request))
    return _page(
        request, renderer, "sell/delete.html", {"view": view}, seller=seller, badge=view.badge
    )


@router.post("/sell/products/{product_id}/delete")
async def delete_product(
    request: Request,
    database: DatabaseDep,
    form: CheckedForm,
    seller: SessionSeller,
    product_id: str,
) -> Response:
    if seller is None:
        return _to_log_in(request)
    name = await database.write(delete_own_product, seller.id, _product_id(product_id))
    return redirect(request, HOME, flash=f"Deleted {name}: it is no longer in the shop.")
