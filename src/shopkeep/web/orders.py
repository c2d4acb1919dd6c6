"""Checkout and the order page.

Placing an order runs the checkout service, which reserves the stock and creates an order
awaiting payment; `continue_to_payment` then sends the shopper to the payment provider's page,
which brings them back to the order page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from shopkeep.carts import service as carts
from shopkeep.db import Database, Tx
from shopkeep.orders import service as orders
from shopkeep.orders.details import NOTE_MAX, country_name, country_names
from shopkeep.orders.models import CANCELLED, EXPIRED, PAID, PAYMENT_FAILED, PENDING_PAYMENT
from shopkeep.payments import hosted
from shopkeep.payments.client import PaymentProviderError, PaymentProviderUnavailable
from shopkeep.pricing import service as pricing
from shopkeep.refunds import service as refunds
from shopkeep.web import format
from shopkeep.web.cart import CartView, cart_view
from shopkeep.web.deps import CheckedForm, DatabaseDep, PaymentsDep, RendererDep, SettingsDep
from shopkeep.web.forms import CUSTOMER_FIELDS, customer_values, read_customer
from shopkeep.web.pages import (
    Badge,
    Renderer,
    cart_badge,
    cart_id_of,
    forget_cart,
    redirect,
    remember,
)

router = APIRouter()

PROVIDER_AWAY = (
    "We could not reach the payment provider. Your items are still reserved: "
    "try paying again in a moment."
)
LEFT_PAYMENT = "You left the payment page without paying. You can pay whenever you are ready."
CONFIRMING = (
    "Your payment went through. We are waiting for the payment provider to confirm it; "
    "this page will update by itself."
)
CONFIRMING_REFRESH_SECONDS = 2
# The last order placed in this browser: its details fill the next checkout form.
LAST_ORDER_COOKIE = "shopkeep_last_order"


@dataclass(frozen=True, slots=True)
class Status:
    """An order's status in a shopper's words."""

    title: str
    explanation: str
    kind: str  # for styling: waiting, done, failed, over


STATUSES = {
    PENDING_PAYMENT: Status(
        "Awaiting payment",
        "Your items are reserved for you until {expires}. Pay before then to complete "
        "the purchase.",
        "waiting",
    ),
    PAID: Status(
        "Paid", "Thank you! Your payment was received and your order is complete.", "done"
    ),
    PAYMENT_FAILED: Status(
        "Payment failed",
        "Your payment did not go through and you have not been charged. Your cart is "
        "still here, so you can try again.",
        "failed",
    ),
    EXPIRED: Status(
        "Expired",
        "This order was not paid in time, so the items went back on the shelf.",
        "over",
    ),
    CANCELLED: Status(
        "Replaced",
        "This order was replaced by a newer checkout of the same cart.",
        "over",
    ),
}


@dataclass(frozen=True, slots=True)
class OrderLine:
    name: str
    product_id: int
    price_cents: int
    quantity: int

    @property
    def line_cents(self) -> int:
        return self.price_cents * self.quantity


@dataclass(frozen=True, slots=True)
class OrderView:
    order_id: str
    lines: list[OrderLine]
    total_cents: int
    status: str
    expires_at: datetime
    badge: Badge
    # Who it ships to: None for an order placed without details (through the API).
    customer: dict[str, Any] | None = None
    # What happened to money that could not pay the order (refunded), in a sentence.
    money_note: str | None = None
    fulfilment_status: str = "unfulfilled"
    shipments: tuple[dict[str, Any], ...] = ()
    # What the shop did with the order after payment, oldest first, in the shopper's words.
    steps: tuple[dict[str, Any], ...] = ()
    # Subtotal, discount and shipping, for an order placed with a method or a code.
    amounts: dict[str, Any] | None = None
    shipping_name: str = ""

    @property
    def cancelled_by_shop(self) -> bool:
        return any(step["kind"] == CANCELLED for step in self.steps)


async def order_view(tx: Tx, order_id: str, cart_id: str | None) -> OrderView:
    order = await orders.get_order(tx, order_id)
    return OrderView(
        money_note=await refunds.money_note(tx, order_id),
        order_id=order["order_id"],
        lines=[
            OrderLine(
                name=item["name"],
                product_id=item["product_id"],
                price_cents=format.cents_of(item["price"]),
                quantity=item["quantity"],
            )
            for item in order["items"]
        ],
        total_cents=format.cents_of(order["total"]),
        status=order["status"],
        expires_at=datetime.fromisoformat(order["expires_at"]),
        badge=await cart_badge(tx, cart_id),
        customer=await orders.customer_of(tx, order_id),
        fulfilment_status=order["fulfilment_status"],
        shipments=tuple(order["shipments"]),
        amounts=_amounts(order),
        shipping_name=order["shipping_name"] or "",
        steps=tuple(
            {**event, "at": datetime.fromisoformat(event["at"])}
            for event in order["history"]
            if event["kind"] in STEPS
            and not (event["kind"] == CANCELLED and event["actor"] == "system")
        ),
    )


def _amounts(order: dict[str, Any]) -> dict[str, Any] | None:
    if order["shipping_method"] is None and order["discount_code"] is None:
        return None
    return {
        "subtotal_cents": format.cents_of(order["subtotal"]),
        "discount_cents": format.cents_of(order["discount"]),
        "shipping_cents": format.cents_of(order["shipping"]) if order["shipping_method"] else None,
        "code": order["discount_code"] or "",
    }


# The public events the order page lists as steps after payment.
STEPS = frozenset({"shipped", "delivered", CANCELLED, "refunded"})
CANCELLED_BY_SHOP = Status(
    "Cancelled", "The shop cancelled this order; the items went back on the shelf.", "over"
)


async def continue_to_payment(
    request: Request, database: DatabaseDep, payments: PaymentsDep, order_id: str
) -> Response:
    """Send the shopper to pay for an order that holds its stock.

    The payment is created at the provider server to server, for the order's total as the
    database has it (the amount never passes through the browser); the provider's hosted page
    brings the shopper back to the order page.
    """
    try:
        payment, _ = await hosted.start_hosted_payment(
            database, payments, order_id, str(request.url_for("order_page", order_id=order_id))
        )
    except (PaymentProviderUnavailable, PaymentProviderError):
        return redirect(request, f"/orders/{order_id}", flash=PROVIDER_AWAY)
    return redirect(request, payment.checkout_url)


def last_order_of(request: Request) -> str | None:
    value = request.cookies.get(LAST_ORDER_COOKIE)
    return value if value is not None and carts.is_id(value) else None


async def returning_shopper(tx: Tx, order_id: str | None) -> dict[str, str]:
    """The checkout form's fields, filled from the last order placed in this browser."""
    customer = None if order_id is None else await orders.customer_of(tx, order_id)
    return customer_values(customer)


@dataclass(frozen=True, slots=True)
class Choices:
    """The shipping method and the discount code as the shopper chose or typed them."""

    shipping_method: str = ""
    discount_code: str = ""

    @classmethod
    def of(cls, source: Mapping[str, str]) -> Choices:
        # Bounded: anything longer than a code is refused by name, shortened.
        return cls(
            shipping_method=source.get("shipping_method", "").strip()[:CHOICE_FIELD_MAX],
            discount_code=source.get("discount_code", "").strip()[:CHOICE_FIELD_MAX],
        )


CHOICE_FIELD_MAX = 100
CHOOSE_METHOD = "Choose how your order is shipped."
CHECKOUT_FIELDS = (*CUSTOMER_FIELDS, "shipping_method", "discount_code")


async def checkout_quote(
    tx: Tx, view: CartView, choices: Choices, *, preselect: bool = False
) -> dict[str, Any]:
    """The shipping methods to choose from and the cart's totals with the shopper's choices;
    with `preselect`, a page opened without a method starts with the first one chosen."""
    methods = await pricing.public_method_rows(tx)
    if preselect and not choices.shipping_method and methods:
        choices = Choices(methods[0].code, choices.discount_code)
    line_cents = [line.line_cents for line in view.lines if line.available]
    shown = await pricing.preview(
        tx, line_cents, choices.shipping_method or None, choices.discount_code or None
    )
    return {"methods": methods, "quote": shown, "choices": choices}


async def _checkout_page(
    request: Request,
    renderer: Renderer,
    database: Database,
    view: CartView,
    values: dict[str, str],
    choices: Choices,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
    preselect: bool = False,
) -> Response:
    errors = dict(errors or {})
    quoted = await database.read(checkout_quote, view, choices, preselect=preselect)
    quote = quoted["quote"]
    # A refused code or method is said next to its field (unless something else already is).
    if quote.discount_error:
        errors.setdefault("discount_code", quote.discount_error)
    if quote.shipping_error:
        errors.setdefault("shipping_method", quote.shipping_error)
    context = {
        "view": view,
        "error": error,
        "values": values,
        "errors": errors,
        "focus": next((name for name in CHECKOUT_FIELDS if name in errors), ""),
        "countries": country_names(),
        "note_max": NOTE_MAX,
        "choices": quoted["choices"],
        "methods": quoted["methods"],
        "quote": quote,
    }
    return renderer.page(request, "checkout.html", context, badge=view.badge, status=status)


@router.get("/checkout", response_class=HTMLResponse)
async def checkout_page(request: Request, database: DatabaseDep, renderer: RendererDep) -> Response:
    view = await database.read(cart_view, cart_id_of(request))
    values = await database.read(returning_shopper, last_order_of(request))
    choices = Choices.of(request.query_params)
    return await _checkout_page(request, renderer, database, view, values, choices, preselect=True)


@router.post("/checkout")
async def place_order(
    request: Request,
    database: DatabaseDep,
    renderer: RendererDep,
    settings: SettingsDep,
    payments: PaymentsDep,
    form: CheckedForm,
) -> Response:
    cart_id = cart_id_of(request)
    if cart_id is None:
        return redirect(request, "/cart", flash="Your cart is empty.")
    posted = read_customer(form)
    choices = Choices.of(form)
    if form.get("action") == "totals":  # "Update totals": nothing is placed or reserved
        view = await database.read(cart_view, cart_id)
        return await _checkout_page(request, renderer, database, view, posted.values, choices)
    errors = dict(posted.errors)
    if not choices.shipping_method:
        errors["shipping_method"] = CHOOSE_METHOD
    if posted.details is None or errors:  # nothing is reserved until the form is valid
        view = await database.read(cart_view, cart_id)
        return await _checkout_page(
            request, renderer, database, view, posted.values, choices, errors=errors, status=400
        )
    ttl = timedelta(minutes=settings.order_ttl_minutes)
    try:
        order = await database.write(
            orders.checkout,
            cart_id,
            ttl,
            posted.details,
            shipping_method=choices.shipping_method,
            discount_code=choices.discount_code or None,
        )
    except carts.CartNotFound:
        response = redirect(request, "/cart", flash="Your cart is empty.")
        forget_cart(response, request)
        return response
    except orders.CartIsEmpty:
        return redirect(request, "/cart", flash="Your cart is empty.")
    except (orders.OutOfStock, orders.StockChanged):
        view = await database.read(cart_view, cart_id)
        error = (
            "Some items are no longer in stock in the quantity you chose. "
            "Change them in your cart, then place the order."
        )
        return await _checkout_page(
            request, renderer, database, view, posted.values, choices, error=error, status=409
        )
    except (pricing.DiscountRefused, pricing.UnknownShippingMethod) as refused:
        name = (
            "discount_code" if isinstance(refused, pricing.DiscountRefused) else "shipping_method"
        )
        view = await database.read(cart_view, cart_id)
        return await _checkout_page(
            request,
            renderer,
            database,
            view,
            posted.values,
            choices,
            errors={name: refused.detail},
            status=400,
        )
    to_payment = await continue_to_payment(request, database, payments, order["order_id"])
    # Next time, this browser's checkout starts with these details (the order id, nothing more).
    remember(to_payment, request, LAST_ORDER_COOKIE, order["order_id"])
    return to_payment


@router.post("/orders/{order_id}/pay")
async def pay_order(
    request: Request,
    database: DatabaseDep,
    payments: PaymentsDep,
    form: CheckedForm,
    order_id: str,
) -> Response:
    """Pay for an order awaiting payment (again, after leaving the payment page)."""
    try:
        return await continue_to_payment(request, database, payments, order_id)
    except orders.OrderAlreadyProcessed:
        return redirect(request, f"/orders/{order_id}")


@router.get("/orders/{order_id}", response_class=HTMLResponse, name="order_page")
async def order_page(
    request: Request, database: DatabaseDep, renderer: RendererDep, order_id: str
) -> Response:
    view = await database.read(order_view, order_id, cart_id_of(request))
    status = STATUSES.get(view.status, Status(view.status, "", "waiting"))
    if view.status == CANCELLED and view.cancelled_by_shop:
        status = CANCELLED_BY_SHOP
    expires = view.expires_at.strftime("%H:%M UTC on %d %B %Y")
    # The payment page sends the shopper back with what happened there (`status`).
    came_back = request.query_params.get("status")
    # Paid at the provider, but the store has not heard yet: look again shortly.
    confirming = view.status == PENDING_PAYMENT and came_back == "succeeded"
    note = ""
    if view.status == PENDING_PAYMENT:
        note = CONFIRMING if confirming else LEFT_PAYMENT if came_back == "cancelled" else ""
    explanation = status.explanation.format(expires=expires)
    if view.money_note and view.status == PAID:
        note = view.money_note
    elif view.money_note:
        # Instead of the status's usual words, which may say that nothing was charged.
        explanation, note = view.money_note, ""
    return renderer.page(
        request,
        "order.html",
        {
            "view": view,
            "status": status,
            "explanation": explanation,
            "note": note,
            "refresh_seconds": CONFIRMING_REFRESH_SECONDS if confirming else None,
            "country_name": country_name,
        },
        badge=view.badge,
    )
