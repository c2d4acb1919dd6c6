"""The order page's actions in the back office: add a shipment, mark one delivered, cancel
(after a confirmation page), refund (an amount, or units of lines with "put back in stock"),
add a note. Each form posts to the same service as the API; a refusal shows the order page
again with the sentence next to the form's fields, and nothing changed."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from shopkeep import upkeep
from shopkeep.admin import orders
from shopkeep.admin.schemas import NoteIn, ShipmentIn
from shopkeep.db import Tx
from shopkeep.errors import NotFound, ShopError
from shopkeep.fulfilment import cancel
from shopkeep.fulfilment import service as fulfilment
from shopkeep.money import MAX_AMOUNT, to_cents
from shopkeep.orders.details import country_name
from shopkeep.refunds import service as refunds
from shopkeep.web.admin.visit import STATUS_WORDS, StaffVisit
from shopkeep.web.deps import CheckedForm
from shopkeep.web.forms import FormError, parse_quantity
from shopkeep.web.pages import redirect
from shopkeep.web.portal import Visit

router = APIRouter()

ORDERS = "/admin/orders"


def new_refund_key() -> str:
    """The idempotency key of one rendered refund form: submitting it twice refunds once."""
    return secrets.token_urlsafe(18)


async def order_page(
    visit: Visit,
    order_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The order page with its action forms (`errors` and `values` of the form just posted)."""
    order = await visit.database.read(orders.order_for_staff, order_id)
    shipped = await visit.database.read(_units, order_id)
    refunded = await visit.database.read(refunds.units_refunded, order_id)
    for item in order["items"]:
        done = shipped.get(item["product_id"], (0, 0))
        item["shipped"], item["restocked"] = done
        item["to_ship"] = max(item["quantity"] - done[0] - done[1], 0)
        item["to_refund"] = max(item["quantity"] - refunded.get(item["product_id"], 0), 0)
    errors = errors or {}
    return visit.page(
        "admin/order.html",
        {
            "order": order,
            "groups": seller_groups(order["items"]),
            "status_words": STATUS_WORDS,
            "country_name": country_name,
            "errors": errors,
            "values": values or {},
            "refund_key": (values or {}).get("key") or new_refund_key(),
            "focus": next(iter(errors), ""),
        },
        badge=await visit.badge(),
        status=status,
    )


def seller_groups(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order's lines per seller, the shop's own first, with the units each has to ship."""
    groups: dict[int | None, dict[str, Any]] = {}
    for item in items:
        group = groups.setdefault(
            item["seller_id"],
            {"seller_id": item["seller_id"], "seller": item["seller"], "items": [], "to_ship": 0},
        )
        group["items"].append(item)
        group["to_ship"] += item["to_ship"]
    return [groups[key] for key in sorted(groups, key=lambda key: (key is not None, key or 0))]


async def _units(tx: Tx, order_id: str) -> dict[int, tuple[int, int]]:
    lines = await fulfilment.order_lines(tx, order_id)
    return {p: (row.shipped_quantity, row.restocked_quantity) for p, row in lines.items()}


async def act(
    visit: Visit,
    order_id: str,
    form: dict[str, str],
    work: Callable[[], Awaitable[Any]],
    done: str,
    field: str,
    *kick: str,
) -> Response:
    """Do `work`; then back to the order with `done`, or the page again with the refusal
    next to `field` (400, nothing changed)."""
    try:
        await work()
    except NotFound:
        raise
    except (ShopError, FormError) as error:
        message = error.detail if isinstance(error, ShopError) else str(error)
        return await order_page(visit, order_id, errors={field: message}, values=form, status=400)
    upkeep.kick(visit.request.app, *kick)
    return redirect(visit.request, f"{ORDERS}/{order_id}", flash=done)


def staff_name(visit: Visit) -> str:
    return visit.logged_in().username


def _validation_message(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    text = str(problem["msg"]).removeprefix("Value error, ")
    return f"{where.replace('_', ' ')}: {text}" if where else text


def line_quantities(form: dict[str, str], prefix: str) -> dict[int, int]:
    """`{product_id: quantity}` of the fields `<prefix><product_id>` filled with more than 0."""
    found: dict[int, int] = {}
    for name, value in form.items():
        if name.startswith(prefix) and name.removeprefix(prefix).isdigit() and value.strip():
            quantity = parse_quantity(value, allow_zero=True)
            if quantity:
                found[int(name.removeprefix(prefix))] = quantity
    return found


def read_shipment(form: dict[str, str]) -> ShipmentIn:
    """A posted shipment form: units per line in `ship_<product_id>` (none filled: every
    remaining unit), carrier, tracking number and address; FormError with a sentence."""
    quantities = line_quantities(form, "ship_")
    try:
        return ShipmentIn.model_validate(
            {
                "carrier": form.get("carrier", ""),
                "tracking_number": form.get("tracking_number", ""),
                "tracking_url": form.get("tracking_url", "").strip() or None,
                "lines": [{"product_id": p, "quantity": q} for p, q in quantities.items()] or None,
            }
        )
    except ValidationError as error:
        raise FormError(_validation_message(error)) from None


def register(StaffVisit: Any) -> None:
    """Add the action routes, which take the pages module's visit."""


@router.post("/admin/orders/{order_id}/shipments")
async def add_shipment(visit: StaffVisit, order_id: str, form: CheckedForm) -> Response:
    actor = staff_name(visit)

    async def work() -> None:
        shipment = read_shipment(form)
        await visit.database.write(
            fulfilment.add_shipment,
            order_id,
            shipment.units(),
            shipment.tracking(),
            actor=actor,
        )

    return await act(
        visit,
        order_id,
        form,
        work,
        "Shipment added; the customer is emailed.",
        "shipment",
        "mail",
    )


@router.post("/admin/orders/{order_id}/shipments/{shipment_id}/delivered")
async def mark_delivered(
    visit: StaffVisit, order_id: str, shipment_id: int, form: CheckedForm
) -> Response:
    actor = staff_name(visit)

    async def work() -> None:
        await visit.database.write(fulfilment.mark_delivered, order_id, shipment_id, actor=actor)

    return await act(visit, order_id, form, work, "Marked delivered.", "shipments")


@router.get("/admin/orders/{order_id}/cancel", response_class=HTMLResponse)
async def confirm_cancel(visit: StaffVisit, order_id: str) -> Response:
    visit.logged_in()
    order = await visit.database.read(orders.order_for_staff, order_id)
    page: Response = visit.page("admin/cancel.html", {"order": order}, badge=await visit.badge())
    return page


@router.post("/admin/orders/{order_id}/cancel")
async def cancel_order(visit: StaffVisit, order_id: str, form: CheckedForm) -> Response:
    actor = staff_name(visit)

    async def work() -> None:
        await visit.database.write(cancel.cancel_order, order_id, actor=actor)

    return await act(
        visit,
        order_id,
        form,
        work,
        "Order cancelled; the customer is emailed.",
        "cancel",
        "refund_jobs",
        "cancellation_jobs",
        "mail",
    )


@router.post("/admin/orders/{order_id}/refunds")
async def refund_order(visit: StaffVisit, order_id: str, form: CheckedForm) -> Response:
    actor = staff_name(visit)

    async def work() -> None:
        key = form.get("key", "")
        if not key or len(key) > 100:
            raise FormError("This form is out of date; reload the page and try again.")
        amount_cents: int | None = None
        lines: list[refunds.RefundUnits] | None = None
        shipping = False
        if form.get("mode") == "amount":
            amount_cents = parse_amount(form.get("amount", ""))
        else:
            quantities = line_quantities(form, "refund_")
            shipping = bool(form.get("shipping"))
            if not quantities and not shipping:
                raise FormError("Enter how many units of a line to refund, or tick the shipping.")
            lines = [
                refunds.RefundUnits(p, q, bool(form.get(f"restock_{p}")))
                for p, q in quantities.items()
            ]
        await visit.database.write(
            refunds.refund_order,
            order_id,
            key,
            amount_cents=amount_cents,
            lines=lines,
            reason=form.get("reason", "").strip()[:500],
            actor=actor,
            shipping=shipping,
        )

    return await act(
        visit,
        order_id,
        form,
        work,
        "Refund asked of the payment provider.",
        "refund",
        "refund_jobs",
    )


@router.post("/admin/orders/{order_id}/refunds/{refund_id}/retry")
async def retry_refund(
    visit: StaffVisit, order_id: str, refund_id: int, form: CheckedForm
) -> Response:
    visit.logged_in()

    async def work() -> None:
        await visit.database.write(refunds.retry_refund, order_id, refund_id)

    return await act(visit, order_id, form, work, "Asked again.", "refunds", "refund_jobs")


@router.post("/admin/orders/{order_id}/notes")
async def add_note(visit: StaffVisit, order_id: str, form: CheckedForm) -> Response:
    actor = staff_name(visit)

    async def work() -> None:
        try:
            note = NoteIn.model_validate({"text": form.get("text", "")})
        except ValidationError:
            raise FormError("Write the note first.") from None
        await visit.database.write(orders.add_note, order_id, note.text, actor=actor)

    return await act(visit, order_id, form, work, "Note added.", "text")


def parse_amount(text: str) -> int:
    try:
        amount = Decimal(text.strip().removeprefix("$").replace(",", ""))
        cents = to_cents(amount)
    except (InvalidOperation, ValueError):
        raise FormError("Enter an amount like 12.50.") from None
    if cents <= 0 or amount > MAX_AMOUNT:
        raise FormError("Enter an amount more than 0.")
    return cents
