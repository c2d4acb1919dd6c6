"""The hosted payment page: the shopper types a card here, never on the merchant's site."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from shopkeep.money import display
from shopkeep.sandbox import cards, service
from shopkeep.sandbox.deps import CourierDep, DatabaseDep, SettingsDep, callback_url
from shopkeep.sandbox.models import CANCELLED, REQUIRES_PAYMENT_METHOD, SUCCEEDED

router = APIRouter(include_in_schema=False)
templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["money"] = display

FORM_FIELDS = ("card_number", "expiry", "cvc")
MAX_FIELD = 100
MAX_FIELDS = 20
TOO_MANY_FIELDS = (
    f"The form arrived with too many fields (more than {MAX_FIELDS}), so nothing was charged: "
    "type your card details again and pay."
)


@router.get("/pay/{payment_id}", name="hosted_page")
async def hosted_page(payment_id: str, database: DatabaseDep, settings: SettingsDep) -> Response:
    payment = await _payment(database, payment_id)
    if payment.status != REQUIRES_PAYMENT_METHOD:
        return _page("done.html", payment, settings)
    return _page("pay.html", payment, settings, values={}, errors={})


@router.post("/pay/{payment_id}")
async def pay(
    payment_id: str,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    courier: CourierDep,
) -> Response:
    """Charge the card typed on the page, tell the store, then send the shopper back."""
    payment = await _payment(database, payment_id)
    if payment.status == CANCELLED:
        return _page("done.html", payment, settings, status=409)
    if payment.status != REQUIRES_PAYMENT_METHOD:
        return _after_payment(payment, settings)
    values = await _form(request)
    if values is None:
        return _page(
            "pay.html",
            payment,
            settings,
            values={},
            errors={"card_number": TOO_MANY_FIELDS},
            status=400,
        )
    errors: dict[str, str] = {}
    number = _checked(errors, "card_number", lambda: cards.card_number(values["card_number"]))
    today = datetime.now(UTC).date()
    _checked(errors, "expiry", lambda: cards.expiry(values["expiry"], today))
    _checked(errors, "cvc", lambda: cards.cvc(values["cvc"]))
    if errors or number is None:
        # The security code is never sent back to the browser.
        values["cvc"] = ""
        return _page("pay.html", payment, settings, values=values, errors=errors, status=400)

    callback_id = await database.write(service.pay, payment_id, number, callback_url(settings))
    if callback_id is not None:
        # The first attempt happens before the redirect, so the shopper comes back to an
        # order that already knows; if the store is away, the outbox keeps trying.
        await courier.deliver(callback_id)
    return _after_payment(await _payment(database, payment_id), settings)


class PaymentLinkNotFound(Exception):
    """A hosted page address that names no payment: answered with an HTML page."""


async def _payment(database: DatabaseDep, payment_id: str) -> service.PaymentView:
    try:
        return await database.read(service.get_payment, payment_id)
    except service.PaymentNotFound as error:
        raise PaymentLinkNotFound() from error


async def link_not_found(request: Request, error: Exception) -> Response:
    html = templates.get_template("missing.html").render()
    response = HTMLResponse(html, status_code=404)
    response.headers["Content-Security-Policy"] = _policy(None)
    return response


async def _form(request: Request) -> dict[str, str] | None:
    """The urlencoded form, each field once, truncated to a sane length; None when it holds
    more fields than the page has, by far."""
    try:
        fields = parse_qs(
            (await request.body()).decode("utf-8", "replace"), max_num_fields=MAX_FIELDS
        )
    except ValueError:  # more than MAX_FIELDS fields
        return None
    return {name: (fields.get(name) or [""])[0][:MAX_FIELD] for name in FORM_FIELDS}


def _checked(errors: dict[str, str], field: str, check: Any) -> Any:
    try:
        return check()
    except cards.CardError as error:
        errors[field] = error.message
        return None


def _after_payment(payment: service.PaymentView, settings: SettingsDep) -> Response:
    if payment.return_url is None:
        return _page("done.html", payment, settings)
    return RedirectResponse(
        return_address(payment.return_url, payment, payment.status), status_code=303
    )


def return_address(return_url: str, payment: service.PaymentView, status: str) -> str:
    """`return_url` with the result added to its query string."""
    parts = urlsplit(return_url)
    query = parse_qs(parts.query, keep_blank_values=True)
    query.update({"payment_id": [payment.id], "order_id": [payment.order_id], "status": [status]})
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def _page(
    template: str,
    payment: service.PaymentView,
    settings: SettingsDep,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    cancel_url = (
        return_address(payment.return_url, payment, "cancelled") if payment.return_url else None
    )
    html = templates.get_template(template).render(
        payment=payment,
        merchant=settings.merchant_name,
        amount=display(payment.amount_cents, payment.currency),
        succeeded=payment.status == SUCCEEDED,
        cancel_url=cancel_url,
        continue_url=(
            return_address(payment.return_url, payment, payment.status)
            if payment.return_url
            else None
        ),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = _policy(payment.return_url)
    response.headers["Cache-Control"] = "no-store"
    return response


def _policy(return_url: str | None) -> str:
    # Browsers apply form-action to the redirect that follows a submit: allow the merchant.
    targets = "'self'"
    if return_url:
        parts = urlsplit(return_url)
        targets += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        f"form-action {targets}; frame-ancestors 'none'; base-uri 'none'"
    )
