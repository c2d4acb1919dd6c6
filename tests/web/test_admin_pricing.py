"""The back office's shipping methods and discount codes pages: staff add and edit them in
forms that say what is wrong next to the field, and see the orders that used a code; without
a staff session nothing opens or changes."""

from __future__ import annotations

import httpx

from shopkeep.db import Database
from shopkeep.pricing import service as pricing
from tests.web.helpers import CUSTOMER, add, post_form, text_of
from tests.web.test_admin import staff_browser
from tests.web.test_admin_products import field_error
from tests.web.test_checkout_orders import KEYBOARD

__all__ = ["staff_browser"]  # a fixture used here

METHODS, CODES = "/admin/shipping-methods", "/admin/discount-codes"


async def test_staff_add_and_edit_a_shipping_method_that_shoppers_then_see(
    staff_browser: httpx.AsyncClient, shop: httpx.AsyncClient, database: Database
) -> None:
    page = await staff_browser.get(METHODS)
    assert "Standard delivery" in text_of(page.text) and "Express delivery" in text_of(page.text)
    bad = await post_form(
        staff_browser,
        METHODS,
        {"code": "pick up", "name": "", "price": "1.999", "active": "1"},
        page=METHODS,
    )
    assert bad.status_code == 400
    assert field_error(bad.text, "code") == "Use 1 to 40 letters, digits, - or _."
    assert field_error(bad.text, "name") == "Enter a name of 1 to 200 characters."
    assert field_error(bad.text, "price") == "Enter an amount like 4.99 (0 for free)."
    added = await post_form(
        staff_browser,
        METHODS,
        {"code": "pickup", "name": "Pick up in the shop", "price": "0", "position": "0",
         "active": "1"},
        page=METHODS,
    )  # fmt: skip
    assert added.status_code == 303, added.text
    edited = await post_form(
        staff_browser,
        f"{METHODS}/express",
        {"name": "Express", "price": "15", "free_from": "", "position": "2"},  # inactive
        page=f"{METHODS}/express",
    )
    assert edited.status_code == 303, edited.text
    methods = await database.read(pricing.public_methods)
    assert [(m["code"], m["price"]) for m in methods] == [("pickup", 0), ("standard", 4.99)]
    await add(shop, KEYBOARD)
    assert "Pick up in the shop: free" in text_of((await shop.get("/checkout")).text)


async def test_staff_add_a_code_and_see_the_orders_that_used_it(
    staff_browser: httpx.AsyncClient, shop: httpx.AsyncClient
) -> None:
    bad = await post_form(
        staff_browser, CODES, {"code": "WELCOME", "kind": "percent", "value": "150"}, page=CODES
    )
    assert bad.status_code == 400
    assert "from 1 to 100" in field_error(bad.text, "value")
    added = await post_form(
        staff_browser,
        CODES,
        {"code": "welcome", "kind": "fixed", "value": "5", "usage_limit": "10", "active": "1"},
        page=CODES,
    )
    assert added.status_code == 303, added.text
    assert added.headers["location"] == f"{CODES}/WELCOME"
    twice = await post_form(
        staff_browser, CODES, {"code": "Welcome", "kind": "percent", "value": "5"}, page=CODES
    )
    assert "exists already" in field_error(twice.text, "code")
    await add(shop, KEYBOARD)
    placed = await post_form(
        shop, "/checkout", {**CUSTOMER, "discount_code": "welcome"}, page="/checkout"
    )
    assert placed.status_code == 303, placed.text
    page = text_of((await staff_browser.get(f"{CODES}/WELCOME")).text)
    assert "1 use of 10 held by orders" in page
    assert "pending_payment 5.00 84.99" in page
    listed = text_of((await staff_browser.get(CODES)).text)
    assert "WELCOME 5.00 off 1 of 10" in listed
    # Deactivated, it is refused at checkout as unknown.
    saved = await post_form(
        staff_browser,
        f"{CODES}/WELCOME",
        {"kind": "fixed", "value": "5", "usage_limit": "10"},
        page=f"{CODES}/WELCOME",
    )
    assert saved.status_code == 303, saved.text


async def test_without_a_staff_session_the_pricing_pages_and_forms_refuse(
    shop: httpx.AsyncClient, database: Database
) -> None:
    for path in (METHODS, f"{METHODS}/standard", CODES):
        response = await shop.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/admin/login?next={path}"
    response = await post_form(
        shop, METHODS, {"code": "x", "name": "X", "price": "1", "active": "1"}, page="/"
    )
    assert response.status_code in (303, 403)
    assert [m["code"] for m in await database.read(pricing.list_methods)] == [
        "standard",
        "express",
    ]
