"""The shopper's cart: adding from any page, changing quantities, removing lines.

The cart's id lives in a cookie; the cart is created on the first add. Forms post normally and
redirect back (POST-redirect-GET); the add-to-cart form, when sent by the page's script with
`Accept: application/json`, gets JSON back so the badge can update in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from shopkeep.carts import service as carts
from shopkeep.catalog import service as catalog
from shopkeep.db import Tx
from shopkeep.errors import BadRequest
from shopkeep.http import JSON
from shopkeep.pricing import service as pricing
from shopkeep.pricing.service import Preview
from shopkeep.web.deps import CheckedForm, DatabaseDep, RendererDep
from shopkeep.web.forms import FormError, parse_id, parse_quantity, safe_next
from shopkeep.web.pages import Badge, cart_badge, cart_id_of, forget_cart, redirect, remember_cart
from shopkeep.web.shop import render_product

router = APIRouter()
CODE_FIELD_MAX = 100


class AddRefused(BadRequest):
    """An add the cart cannot take, in a shopper's words."""


@dataclass(frozen=True, slots=True)
class Line:
    product_id: int
    name: str
    price_cents: int
    quantity: int
    stock: int
    image_url: str
    available: bool = True  # False: its seller deleted the product

    @property
    def line_cents(self) -> int:
        return self.price_cents * self.quantity if self.available else 0

    @property
    def problem(self) -> str:
        """What stops this line from being checked out, if anything."""
        if not self.available:
            return "No longer available: remove it to check out."
        if self.stock <= 0:
            return "Sold out: remove it to check out."
        if self.quantity > self.stock:
            return f"Only {self.stock} left in stock: lower the quantity to check out."
        return ""


@dataclass(frozen=True, slots=True)
class CartView:
    lines: list[Line] = field(default_factory=list)
    badge: Badge = field(default_factory=Badge)

    @property
    def total_cents(self) -> int:
        return sum(line.line_cents for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)


async def cart_view(tx: Tx, cart_id: str | None) -> CartView:
    """The cart's lines with current prices and stock."""
    badge = await cart_badge(tx, cart_id)
    if cart_id is None or badge.cart_gone:
        return CartView(badge=badge)
    contents = await carts.cart_contents(tx, cart_id)
    lines = [
        Line(
            product_id=line.product_id,
            name=line.name,
            price_cents=line.price_cents,
            quantity=line.quantity,
            # A deleted product cannot be bought, whatever stock it had.
            stock=line.stock if line.available else 0,
            image_url=f"/images/products/{line.product_id}.svg",
            available=line.available,
        )
        for line in contents.lines
    ]
    return CartView(lines=lines, badge=badge)


@dataclass(frozen=True, slots=True)
class Added:
    cart_id: str
    name: str
    added: int
    count: int


async def add_to_cart(tx: Tx, cart_id: str | None, product_id: int, quantity: int) -> Added:
    """Add to the shopper's cart, opening a cart when there is none (or it is gone)."""
    product = await catalog.get_product(tx, product_id)
    badge = await cart_badge(tx, cart_id)
    if cart_id is None or badge.cart_gone:
        cart_id, badge = await carts.create_cart(tx), Badge()
    in_cart = badge.quantities.get(product_id, 0)
    try:
        await carts.add_item(tx, cart_id, product_id, quantity)
    except carts.NotEnoughStock:
        raise AddRefused(_not_enough(product["stock"], in_cart)) from None
    except BadRequest:  # the line would pass the per-product limit
        raise AddRefused(
            f"You can have at most {carts.MAX_QUANTITY:,} of one product in your cart; "
            f"{in_cart} are already there."
        ) from None
    return Added(cart_id, product["name"], quantity, badge.count + quantity)


def _not_enough(stock: int, in_cart: int) -> str:
    if stock <= 0:
        return "Sorry, this product is sold out."
    if not in_cart:
        return f"Only {stock} left in stock."
    if in_cart >= stock:
        return f"Only {stock} left in stock, and your cart already has {in_cart}."
    return (
        f"Only {stock} left in stock and your cart already has {in_cart}: "
        f"you can add {stock - in_cart} more."
    )


async def set_quantity(tx: Tx, cart_id: str, product_id: int, quantity: int) -> str:
    """Set a line's quantity (0 removes it); returns the product's name."""
    name = await _line_name(tx, cart_id, product_id)
    try:
        await carts.set_quantity(tx, cart_id, product_id, quantity)
    except carts.NotEnoughStock:
        stock = (await catalog.get_product(tx, product_id))["stock"]
        message = "Sorry, this product is sold out." if stock <= 0 else None
        raise AddRefused(message or f"Only {stock} left in stock.") from None
    return name


async def remove_line(tx: Tx, cart_id: str, product_id: int) -> str:
    """Remove a line; returns the product's name."""
    name = await _line_name(tx, cart_id, product_id)
    await carts.remove_item(tx, cart_id, product_id)
    return name


async def _line_name(tx: Tx, cart_id: str, product_id: int) -> str:
    for item in (await carts.get_cart(tx, cart_id))["items"]:
        if item["product_id"] == product_id:
            name: str = item["name"]
            return name
    raise carts.ItemNotInCart()


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def with_code(tx: Tx, cart_id: str | None, code: str) -> tuple[CartView, Preview | None]:
    """The cart, and its totals with the discount code typed on the cart page (if any)."""
    view = await cart_view(tx, cart_id)
    if not code:
        return view, None
    line_cents = [line.line_cents for line in view.lines if line.available]
    return view, await pricing.preview(tx, line_cents, None, code)


@router.get("/cart", response_class=HTMLResponse)
async def cart_page(request: Request, database: DatabaseDep, renderer: RendererDep) -> Response:
    code = request.query_params.get("discount_code", "").strip()[:CODE_FIELD_MAX]
    view, quote = await database.read(with_code, cart_id_of(request), code)
    errors = {"discount_code": quote.discount_error} if quote and quote.discount_error else {}
    context = {
        "view": view,
        "code": code,
        "quote": quote,
        "errors": errors,
        "focus": "discount_code" if errors else "",
    }
    return renderer.page(
        request, "cart.html", context, badge=view.badge, status=400 if errors else 200
    )


@router.post("/cart/items")
async def add_item(
    request: Request, database: DatabaseDep, renderer: RendererDep, form: CheckedForm
) -> Response:
    product_id = parse_id(form.get("product_id"))
    if product_id is None:
        raise catalog.ProductNotFound()
    typed = form.get("quantity", "1")
    try:
        quantity = parse_quantity(typed)
        added = await database.write(add_to_cart, cart_id_of(request), product_id, quantity)
    except (FormError, AddRefused) as error:
        message = error.detail if isinstance(error, AddRefused) else str(error)
        if _wants_json(request):
            return JSON({"detail": message, "field": "quantity"}, status_code=400)
        return await render_product(
            request, database, renderer, product_id, error=message, quantity=typed, status=400
        )
    message = f"Added {added.name} to your cart."
    if added.added > 1:
        message = f"Added {added.name} (quantity {added.added}) to your cart."
    response: Response
    if _wants_json(request):
        response = JSON({"detail": message, "count": added.count})
    else:
        response = redirect(request, safe_next(form.get("next")), flash=message)
    remember_cart(response, request, added.cart_id)
    return response


@router.post("/cart/items/{product_id}")
async def change_quantity(
    request: Request,
    database: DatabaseDep,
    renderer: RendererDep,
    form: CheckedForm,
    product_id: str,
) -> Response:
    parsed = parse_id(product_id)
    cart_id = cart_id_of(request)
    if parsed is None or cart_id is None:
        return _line_gone(request)
    typed = form.get("quantity", "")
    try:
        quantity = parse_quantity(typed, allow_zero=True)
        name = await database.write(set_quantity, cart_id, parsed, quantity)
    except (FormError, AddRefused) as error:
        message = error.detail if isinstance(error, AddRefused) else str(error)
        view = await database.read(cart_view, cart_id)
        return renderer.page(
            request,
            "cart.html",
            {
                "view": view,
                "line_errors": {parsed: message},
                "typed": {parsed: typed},
                "errors": {},
                "focus": "",
            },
            badge=view.badge,
            status=400,
        )
    except carts.CartNotFound:
        return _line_gone(request, cart_gone=True)
    except carts.ItemNotInCart:
        return _line_gone(request)
    if quantity == 0:
        return redirect(request, "/cart", flash=f"Removed {name} from your cart.")
    return redirect(request, "/cart", flash=f"{name}: quantity changed to {quantity}.")


@router.post("/cart/items/{product_id}/remove")
async def remove_item(
    request: Request, database: DatabaseDep, form: CheckedForm, product_id: str
) -> Response:
    parsed = parse_id(product_id)
    cart_id = cart_id_of(request)
    if parsed is None or cart_id is None:
        return _line_gone(request)
    try:
        name = await database.write(remove_line, cart_id, parsed)
    except carts.CartNotFound:
        return _line_gone(request, cart_gone=True)
    except carts.ItemNotInCart:
        return _line_gone(request)
    return redirect(request, "/cart", flash=f"Removed {name} from your cart.")


def _line_gone(request: Request, *, cart_gone: bool = False) -> Response:
    """Back to the cart, saying the line is gone (and forgetting a cart that is gone too)."""
    response = redirect(request, "/cart", flash="That item is no longer in your cart.")
    if cart_gone:
        forget_cart(response, request)
    return response
