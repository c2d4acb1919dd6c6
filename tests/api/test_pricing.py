"""Shipping methods and discount codes through the API (SPEC §15): the back office manages
them, a cart previews its totals, checkout freezes them and pays `total`; refusals are a
sentence and reserve nothing; refunds by lines never return more than a line cost."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopkeep.db import Database, Tx, utcnow
from shopkeep.pricing import service as pricing
from shopkeep.refunds import service as refunds
from tests.admin.helpers import staff_member, staff_token
from tests.helpers import cart_with, confirm, stock_of
from tests.mail.helpers import DETAILS, KEYBOARD

MOUSE = 5
NAMES = itertools.count()
PLENTY = [1, 2, 3, 4, 5, 8, 9, 11, 12]  # demo products with plenty in stock


@pytest.fixture
async def staff(client: httpx.AsyncClient, database: Database) -> dict[str, str]:
    await staff_member(database)
    return await staff_token(client)


async def new_code(
    client: httpx.AsyncClient, staff: dict[str, str], **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        "/admin/discount-codes", json={"kind": "percent", "value": 10, **fields}, headers=staff
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def body(**choices: Any) -> dict[str, Any]:
    return {**DETAILS, **choices}


async def test_the_demo_shop_has_standard_free_from_50_and_express(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/shipping-methods")
    assert response.json() == [
        {"code": "standard", "name": "Standard delivery", "price": 4.99, "free_from": 50.0},
        {"code": "express", "name": "Express delivery", "price": 12.99, "free_from": None},
    ]


async def test_staff_manage_shipping_methods_and_shoppers_see_the_active_ones_in_order(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    created = await client.post(
        "/admin/shipping-methods",
        json={"code": "Pickup", "name": "Pick up in the shop", "price": 0, "position": 0},
        headers=staff,
    )
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "pickup"
    again = await client.post(
        "/admin/shipping-methods",
        json={"code": "pickup", "name": "Twice", "price": 1},
        headers=staff,
    )
    assert again.status_code == 409
    changed = await client.patch(
        "/admin/shipping-methods/express", json={"active": False, "price": 14.5}, headers=staff
    )
    assert changed.json()["price"] == 14.5 and changed.json()["active"] is False
    bad = await client.patch(
        "/admin/shipping-methods/standard", json={"price": 1.234}, headers=staff
    )
    assert bad.status_code == 422
    public = (await client.get("/shipping-methods")).json()
    assert [m["code"] for m in public] == ["pickup", "standard"]
    listed = (await client.get("/admin/shipping-methods", headers=staff)).json()
    assert [m["code"] for m in listed] == ["pickup", "standard", "express"]
    assert (await client.get("/admin/shipping-methods")).status_code == 401
    assert (await client.delete("/admin/shipping-methods/pickup", headers=staff)).status_code == 204
    assert (await client.get("/admin/shipping-methods/pickup", headers=staff)).status_code == 404


async def test_codes_are_unique_whatever_their_case_and_checked_when_saved(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    code = await new_code(client, staff, code="Welcome10")
    assert code["code"] == "WELCOME10" and code["uses"] == 0 and code["orders"] == []
    twice = await client.post(
        "/admin/discount-codes", json={"code": "welcome10", "kind": "fixed", "value": 5},
        headers=staff,
    )  # fmt: skip
    assert twice.status_code == 409 and "exists already" in twice.json()["detail"]
    for wrong, words in (
        ({"kind": "percent", "value": 101}, "from 1 to 100"),
        ({"kind": "percent", "value": 12.5}, "whole number"),
        (
            {"kind": "fixed", "value": 5, "starts_at": "2030-01-02", "ends_at": "2030-01-01"},
            "after starts_at",
        ),
    ):
        refused = await client.post(
            "/admin/discount-codes", json={"code": "X1", **wrong}, headers=staff
        )
        assert refused.status_code == 400 and words in refused.json()["detail"], refused.text
    changed = await client.patch(
        "/admin/discount-codes/welcome10", json={"kind": "fixed", "value": 7.5}, headers=staff
    )
    assert (changed.json()["kind"], changed.json()["value"]) == ("fixed", 7.5)
    assert (
        await client.delete("/admin/discount-codes/WELCOME10", headers=staff)
    ).status_code == 204
    assert (await client.get("/admin/discount-codes", headers=staff)).json() == []


async def test_an_order_with_a_method_and_a_code_freezes_its_totals_and_is_paid_for_its_total(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await new_code(client, staff, code="TENOFF", kind="percent", value=10)
    cart_id = await cart_with(client, (KEYBOARD, 1))  # 89.99
    response = await client.post(
        f"/cart/{cart_id}/checkout",
        json=body(shipping_method="express", discount_code="tenoff"),
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"order_id", "total", "message"}
    # 10% of 89.99 is 8.999: 9.00 off; 80.99 + 12.99 express.
    assert response.json()["total"] == 93.98
    order_id = response.json()["order_id"]
    # Later changes of the method and the code change nothing on the order.
    await client.patch("/admin/shipping-methods/express", json={"price": 20}, headers=staff)
    await client.patch("/admin/discount-codes/TENOFF", json={"value": 50}, headers=staff)
    order = (await client.get(f"/orders/{order_id}")).json()
    assert (order["subtotal"], order["discount"], order["shipping"], order["total"]) == (
        89.99,
        9.0,
        12.99,
        93.98,
    )
    assert order["discount_code"] == "TENOFF" and order["shipping_method"] == "express"
    assert order["items"][0]["discount"] == 9.0
    wrong = await confirm(
        client,
        {"payment_id": "pay_sub", "order_id": order_id, "amount": 89.99, "status": "success"},
    )
    assert wrong.json().get("status") != "paid"
    assert (await client.get(f"/orders/{order_id}")).json()["status"] == "pending_payment"
    paid = await confirm(
        client,
        {"payment_id": "pay_tot", "order_id": order_id, "amount": 93.98, "status": "success"},
    )
    assert paid.status_code == 200, paid.text
    used = (await client.get("/admin/discount-codes/tenoff", headers=staff)).json()
    assert used["uses"] == 1
    assert [(o["order_id"], o["status"]) for o in used["orders"]] == [(order_id, "paid")]


async def test_without_method_or_code_an_order_has_no_shipping_and_the_cart_is_as_before(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await cart_with(client, (KEYBOARD, 2))
    cart = (await client.get(f"/cart/{cart_id}")).json()
    assert set(cart) == {"cart_id", "items", "total"} and cart["total"] == 179.98
    order_id = (await client.post(f"/cart/{cart_id}/checkout")).json()["order_id"]
    order = (await client.get(f"/orders/{order_id}")).json()
    assert (order["subtotal"], order["discount"], order["shipping"], order["total"]) == (
        179.98,
        0,
        0,
        179.98,
    )


async def refused(client: httpx.AsyncClient, cart_id: str, **choices: Any) -> str:
    before = await stock_of(client, KEYBOARD)
    response = await client.post(f"/cart/{cart_id}/checkout", json=body(**choices))
    assert response.status_code == 400, response.text
    assert await stock_of(client, KEYBOARD) == before  # nothing reserved
    detail: str = response.json()["detail"]
    return detail


async def test_each_code_that_cannot_be_used_is_refused_with_its_sentence(
    client: httpx.AsyncClient, staff: dict[str, str], database: Database
) -> None:
    now = utcnow()
    await new_code(client, staff, code="OLD", ends_at=(now - timedelta(days=1)).isoformat())
    await new_code(client, staff, code="SOON", starts_at=(now + timedelta(days=1)).isoformat())
    await new_code(client, staff, code="BIG", min_subtotal=100)
    await new_code(client, staff, code="ONCE", usage_limit=1)
    await new_code(client, staff, code="MINE", once_per_email=True)
    await new_code(client, staff, code="OFF", active=False)
    cart_id = await cart_with(client, (KEYBOARD, 1))
    assert "no discount code 'NOPE'" in await refused(client, cart_id, discount_code="NOPE")
    assert "no discount code" in await refused(client, cart_id, discount_code="off")
    assert "expired" in await refused(client, cart_id, discount_code="old")
    assert "not valid yet" in await refused(client, cart_id, discount_code="soon")
    assert "at least $100.00 (this cart: $89.99)" in await refused(
        client, cart_id, discount_code="big"
    )
    assert "no shipping method 'boat'" in await refused(client, cart_id, shipping_method="boat")
    for code in ("ONCE", "MINE"):
        other = await cart_with(client, (MOUSE, 1))
        response = await client.post(f"/cart/{other}/checkout", json=body(discount_code=code))
        assert response.status_code == 200, response.text
    assert "used up" in await refused(client, cart_id, discount_code="once")
    assert "already been used with this email" in await refused(
        client, cart_id, discount_code="mine"
    )
    preview = (await client.get(f"/cart/{cart_id}", params={"discount_code": "once"})).json()
    assert "used up" in preview["discount_error"] and preview["discount"] == 0
    # Another address may use the once-per-email code.
    response = await client.post(
        f"/cart/{cart_id}/checkout",
        json={**body(discount_code="mine"), "email": "grace@example.com"},
    )
    assert response.status_code == 200, response.text


async def test_free_shipping_is_checked_again_when_the_cart_changes_and_at_checkout(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    cart_id = await cart_with(client, (KEYBOARD, 1))  # 89.99: standard is free
    query = {"shipping_method": "standard", "discount_code": ""}
    cart = (await client.get(f"/cart/{cart_id}", params=query)).json()
    assert (cart["subtotal"], cart["shipping"], cart["total"]) == (89.99, 0, 89.99)
    # A code that takes the subtotal below 50.00 brings the shipping back.
    await new_code(client, staff, code="HALF", value=50)
    cart = (await client.get(f"/cart/{cart_id}", params={**query, "discount_code": "half"})).json()
    assert (cart["discount"], cart["shipping"], cart["total"]) == (45.0, 4.99, 49.98)
    # So does swapping the keyboard for something cheaper.
    await client.post(f"/cart/{cart_id}/items", json={"product_id": MOUSE, "quantity": 1})
    await client.delete(f"/cart/{cart_id}/items/{KEYBOARD}")
    cart = (await client.get(f"/cart/{cart_id}", params=query)).json()
    mouse = cart["subtotal"]
    assert mouse < 50 and cart["shipping"] == 4.99
    placed = await client.post(f"/cart/{cart_id}/checkout", json=body(shipping_method="standard"))
    assert placed.json()["total"] == float(Decimal(str(mouse)) + Decimal("4.99"))
    unknown = (await client.get(f"/cart/{cart_id}", params={"shipping_method": "boat"})).json()
    assert "no shipping method" in unknown["shipping_error"]


async def test_refunding_a_discounted_line_returns_what_it_cost_and_shipping_once(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await new_code(client, staff, code="FIVER", kind="fixed", value=5)
    cart_id = await cart_with(client, (KEYBOARD, 3))  # 269.97 - 5.00 + 12.99
    placed = await client.post(
        f"/cart/{cart_id}/checkout", json=body(shipping_method="express", discount_code="fiver")
    )
    order_id, total = placed.json()["order_id"], placed.json()["total"]
    assert total == 277.96
    payment = {"payment_id": "pay_r", "order_id": order_id, "amount": total, "status": "success"}
    assert (await confirm(client, payment)).status_code == 200

    async def refund(key: str, **asked: Any) -> httpx.Response:
        return await client.post(
            f"/admin/orders/{order_id}/refunds",
            json=asked,
            headers={**staff, "Idempotency-Key": key},
        )

    one = await refund("a", lines=[{"product_id": KEYBOARD, "quantity": 1, "restock": False}])
    assert one.status_code == 201, one.text
    assert one.json()["amount"] == 88.32  # 264.97 / 3, rounded down
    ship = await refund("b", shipping=True)
    assert ship.json()["amount"] == 12.99
    assert "already refunded" in (await refund("c", shipping=True)).json()["detail"]
    rest = await refund("d", lines=[{"product_id": KEYBOARD, "quantity": 2, "restock": False}])
    assert rest.json()["amount"] == 176.65
    given = [one, ship, rest]
    assert sum(round(Decimal(str(r.json()["amount"])) * 100) for r in given) == 27796
    more = await refund("e", amount=0.01)
    assert more.status_code == 400


# Refunding every line, in any order and any steps, returns exactly the total.

carts = st.lists(
    st.tuples(st.sampled_from(PLENTY), st.integers(1, 4)),
    min_size=1,
    max_size=4,
    unique_by=lambda line: line[0],
)
codes = st.one_of(
    st.none(),
    st.tuples(st.just("percent"), st.integers(1, 100)),
    st.tuples(st.just("fixed"), st.integers(1, 30_000)),
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    lines=carts, code=codes, method=st.sampled_from([None, "standard", "express"]), data=st.data()
)
async def test_refunding_every_line_and_the_shipping_in_any_order_returns_the_total(
    client: httpx.AsyncClient,
    database: Database,
    lines: list[tuple[int, int]],
    code: tuple[str, int] | None,
    method: str | None,
    data: st.DataObject,
) -> None:
    choices: dict[str, Any] = {"shipping_method": method}
    if code is not None:
        name = f"PROP{next(NAMES)}"
        kind, value = code
        await database.write(
            _create_code,
            {
                "code": name,
                "kind": kind,
                "value": Decimal(value) / (1 if kind == "percent" else 100),
            },
        )
        choices["discount_code"] = name
    cart_id = await cart_with(client, *lines)
    placed = (await client.post(f"/cart/{cart_id}/checkout", json=body(**choices))).json()
    order = (await client.get(f"/orders/{placed['order_id']}")).json()
    total_cents = round(Decimal(str(order["total"])) * 100)
    payment_id = f"pay_{placed['order_id'][:12]}"
    payment = {
        "payment_id": payment_id,
        "order_id": order["order_id"],
        "amount": order["total"],
        "status": "success",
    }
    assert (await confirm(client, payment)).status_code == 200
    left = dict(lines)
    parts = [("shipping", 0)] if order["shipping"] else []
    while left:
        product_id = data.draw(st.sampled_from(sorted(left)))
        units = data.draw(st.integers(1, left[product_id]))
        parts.append(("line", product_id, units))  # type: ignore[arg-type]
        left[product_id] -= units
        if not left[product_id]:
            del left[product_id]
    parts = data.draw(st.permutations(parts))
    given_back = 0
    for step, part in enumerate(parts):
        asked = await database.write(
            refunds.refund_order,
            order["order_id"],
            f"k{step}",
            lines=[refunds.RefundUnits(part[1], part[2], True)] if part[0] == "line" else None,
            shipping=part[0] == "shipping",
            actor="olivia",
        )
        given_back += round(Decimal(str(asked["amount"])) * 100)
    assert given_back == total_cents


async def _create_code(tx: Tx, values: dict[str, Any]) -> None:
    await pricing.create_code(tx, values)


async def test_a_failed_payment_and_a_cancel_give_the_use_back_and_a_refund_does_not(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await new_code(client, staff, code="ONEUSE", usage_limit=1, once_per_email=True)

    async def uses() -> int:
        found: int = (await client.get("/admin/discount-codes/oneuse", headers=staff)).json()[
            "uses"
        ]
        return found

    async def placed() -> dict[str, Any]:
        cart_id = await cart_with(client, (KEYBOARD, 1))
        response = await client.post(f"/cart/{cart_id}/checkout", json=body(discount_code="oneuse"))
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        return order

    failed = await placed()
    payment = {"order_id": failed["order_id"], "amount": failed["total"]}
    await confirm(client, {**payment, "payment_id": "pay_f", "status": "failed"})
    assert await uses() == 0
    paid = await placed()
    payment = {"order_id": paid["order_id"], "amount": paid["total"]}
    assert (
        await confirm(client, {**payment, "payment_id": "pay_p", "status": "success"})
    ).status_code == 200
    refund = await client.post(
        f"/admin/orders/{paid['order_id']}/refunds",
        json={"amount": 1},
        headers={**staff, "Idempotency-Key": "r1"},
    )
    assert refund.status_code == 201, refund.text
    assert await uses() == 1  # a refund keeps the use
    cancelled = await client.post(f"/admin/orders/{paid['order_id']}/cancel", headers=staff)
    assert cancelled.status_code == 200, cancelled.text
    assert await uses() == 0
    await placed()  # the same address may use it again
    assert await uses() == 1
