"""The seller portal at `/sell`: signing up, logging in and out, and managing one's products.

The routes call the sellers' own services (accounts, products) and the catalog, as the API
does: the same rules, the same ownership checks, the same log-in limiter. A seller's session is
a signed cookie (see `sessions`). Forms post normally and redirect back (POST-redirect-GET);
refused input comes back in the form, each problem next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import HTMLResponse

from shopkeep.accounts import passwords
from shopkeep.accounts.models import USERNAME_MAX_LENGTH
from shopkeep.catalog import service as catalog
from shopkeep.db import Tx
from shopkeep.fulfilment import sellers as seller_orders
from shopkeep.sellers import accounts, products, service
from shopkeep.sellers.service import SignedInSeller
from shopkeep.web import sessions
from shopkeep.web.deps import CheckedForm
from shopkeep.web.forms import parse_id
from shopkeep.web.pages import Badge, cart_badge, cart_id_of, redirect
from shopkeep.web.portal import Portal, Visit, first_error, page_asked, paging
from shopkeep.web.seller_forms import (
    CHOOSE_CATEGORY,
    PRODUCT_FIELDS,
    changes_of,
    product_values,
    read_product,
    read_seller_email,
    read_stock,
    sign_up_errors,
)
from shopkeep.web.shop import Card, card

router = APIRouter()

HOME = "/sell"
PAGE_SIZE = 20
SIGN_UP_FIELDS = ("username", "password", "password_again")
# The sign-up form's hints, from the rules themselves.
SIGN_UP_RULES = {
    "username": service.USERNAME_RULE,
    "username_max": USERNAME_MAX_LENGTH,
    "password_min": passwords.MIN_LENGTH,
}


async def portal_header(tx: Tx, seller: SignedInSeller) -> dict[str, Any]:
    """The badge of the layout's bar: how many paid orders wait for the seller to ship."""
    return {"orders_to_ship": await seller_orders.count_to_ship(tx, seller.id)}


PORTAL = Portal(
    home=HOME,
    session=sessions.SELLER,
    kind=service.SELLERS,
    account_name="seller",
    log_in_template="sell/login.html",
    log_in_prompt="Log in to manage your products.",
    header=portal_header,
)
# A request to the seller portal, with the seller of its session if any.
SellerVisit = Annotated[Visit, Depends(PORTAL.visit)]
# The seller of a genuine, unexpired session cookie, if that seller still exists.
SessionSeller = Annotated[SignedInSeller | None, Depends(PORTAL.account)]


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


# Signing up, logging in and out


@router.get("/sell", response_class=HTMLResponse)
async def dashboard(visit: SellerVisit) -> Response:
    if visit.account is None:
        return await visit.log_in_page()
    page = page_asked(visit.request)
    view = await visit.database.read(listing, visit.account.id, page, cart_id_of(visit.request))
    return visit.page(
        "sell/dashboard.html",
        {"view": view, "paging": paging(view.total, page, PAGE_SIZE)},
        badge=view.badge,
    )


@router.get("/sell/login", response_class=HTMLResponse)
async def log_in_page(visit: SellerVisit) -> Response:
    return await visit.log_in_form()


@router.post("/sell/login")
async def log_in(visit: SellerVisit, form: CheckedForm) -> Response:
    return await visit.log_in(form)


def _sign_up_page(
    visit: Visit, username: str, errors: dict[str, str], *, badge: Badge, status: int = 200
) -> Response:
    return visit.page(
        "sell/signup.html",
        {
            "username": username,
            "errors": errors,
            "focus": first_error(errors, SIGN_UP_FIELDS),
            "rules": SIGN_UP_RULES,
        },
        badge=badge,
        status=status,
    )


@router.get("/sell/signup", response_class=HTMLResponse)
async def sign_up_page(visit: SellerVisit) -> Response:
    if visit.account is not None:
        return redirect(visit.request, HOME)
    return _sign_up_page(visit, "", {}, badge=await visit.badge())


@router.post("/sell/signup")
async def sign_up(visit: SellerVisit, form: CheckedForm) -> Response:
    username = form.get("username", "").strip()
    password = form.get("password", "")
    errors = sign_up_errors(username, password, form.get("password_again", ""))
    status = 400
    if not errors:
        try:
            seller = await accounts.sign_up(visit.database, username, password)
        except service.UsernameTaken:
            errors["username"] = "That username is taken: choose another, or log in."
            status = 409
        else:
            response = redirect(
                visit.request,
                HOME,
                flash=f"Welcome, {seller['username']}! Your seller account is ready.",
            )
            visit.start_session(response, seller["id"])
            return response
    return _sign_up_page(visit, username, errors, badge=await visit.badge(), status=status)


@router.post("/sell/logout")
async def log_out(visit: SellerVisit, form: CheckedForm) -> Response:
    return visit.log_out()


# The seller's products


def _product_form(
    visit: Visit,
    view: FormView,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return visit.page(
        "sell/product_form.html",
        {
            "view": view,
            "values": values,
            "errors": errors,
            "focus": first_error(errors, PRODUCT_FIELDS),
        },
        badge=view.badge,
        status=status,
    )


async def _form_view(visit: Visit, seller: SignedInSeller, product_id: int | None) -> FormView:
    return await visit.database.read(form_view, seller.id, product_id, cart_id_of(visit.request))


@router.get("/sell/products/new", response_class=HTMLResponse)
async def new_product_page(visit: SellerVisit) -> Response:
    view = await _form_view(visit, visit.logged_in(), None)
    values = {name: "" for name in PRODUCT_FIELDS}
    return _product_form(visit, view, values=values, errors={})


@router.post("/sell/products/new")
async def create_product(visit: SellerVisit, form: CheckedForm) -> Response:
    seller = visit.logged_in()
    posted = read_product(form)
    errors = dict(posted.errors)
    if posted.product is not None:
        try:
            created = await visit.database.write(products.create_product, seller.id, posted.product)
        except products.UnknownCategory:
            errors["category_id"] = CHOOSE_CATEGORY
        else:
            return redirect(visit.request, HOME, flash=f"Added {created['name']} to the shop.")
    view = await _form_view(visit, seller, None)
    return _product_form(visit, view, values=posted.values, errors=errors, status=400)


@router.get("/sell/products/{product_id}/edit", response_class=HTMLResponse)
async def edit_product_page(visit: SellerVisit, product_id: str) -> Response:
    view = await _form_view(visit, visit.logged_in(), _product_id(product_id))
    assert view.product is not None
    values = product_values(view.product)
    return _product_form(visit, view, values=values, errors={})


@router.post("/sell/products/{product_id}/edit")
async def update_product(visit: SellerVisit, form: CheckedForm, product_id: str) -> Response:
    seller = visit.logged_in()
    parsed = _product_id(product_id)
    posted = read_product(form)
    errors = dict(posted.errors)
    if posted.product is not None:
        try:
            saved = await visit.database.write(
                products.update_product, seller.id, parsed, changes_of(posted.product)
            )
        except products.UnknownCategory:
            errors["category_id"] = CHOOSE_CATEGORY
        else:
            return redirect(visit.request, HOME, flash=f"Saved your changes to {saved['name']}.")
    # Refuses another seller's product before showing anything of it.
    view = await _form_view(visit, seller, parsed)
    return _product_form(visit, view, values=posted.values, errors=errors, status=400)


@router.post("/sell/products/{product_id}/stock")
async def set_stock(visit: SellerVisit, form: CheckedForm, product_id: str) -> Response:
    """The product list's quick stock control."""
    seller = visit.logged_in()
    parsed = _product_id(product_id)
    units, problem = read_stock(form)
    if units is None:
        # Refuses another seller's product before saying anything about it.
        await visit.database.read(form_view, seller.id, parsed, None)
        return redirect(visit.request, HOME, flash=f"Stock not changed: {problem}")
    saved = await visit.database.write(products.update_product, seller.id, parsed, {"stock": units})
    return redirect(visit.request, HOME, flash=f"{saved['name']} now has {units:,} in stock.")


@router.get("/sell/products/{product_id}/delete", response_class=HTMLResponse)
async def delete_product_page(visit: SellerVisit, product_id: str) -> Response:
    """Asks first: a page with one button, so that it works without JavaScript."""
    view = await _form_view(visit, visit.logged_in(), _product_id(product_id))
    return visit.page("sell/delete.html", {"view": view}, badge=view.badge)


@router.post("/sell/products/{product_id}/delete")
async def delete_product(visit: SellerVisit, form: CheckedForm, product_id: str) -> Response:
    seller = visit.logged_in()
    name = await visit.database.write(delete_own_product, seller.id, _product_id(product_id))
    return redirect(visit.request, HOME, flash=f"Deleted {name}: it is no longer in the shop.")


# The seller's account


async def _account_page(
    visit: SellerVisit, *, email: str, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    errors = errors or {}
    return visit.page(
        "sell/account.html",
        {"email": email, "errors": errors, "focus": "email" if errors else ""},
        badge=await visit.badge(),
        status=status,
    )


@router.get("/sell/account", response_class=HTMLResponse)
async def account_page(visit: SellerVisit) -> Response:
    seller = visit.logged_in()
    account = await visit.database.read(service.get_own_account, seller.id)
    return await _account_page(visit, email=account["email"] or "")


@router.post("/sell/account")
async def change_account(visit: SellerVisit, form: CheckedForm) -> Response:
    seller = visit.logged_in()
    typed = form.get("email", "")
    email, problem = read_seller_email(typed)
    if problem:
        return await _account_page(visit, email=typed, errors={"email": problem}, status=400)
    await visit.database.write(service.set_email, seller.id, email)
    flash = f"Order emails now go to {email}." if email else "You will get no order emails."
    return redirect(visit.request, f"{HOME}/account", flash=flash)
