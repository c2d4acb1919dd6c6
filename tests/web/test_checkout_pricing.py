"""Shipping methods and discount codes on the storefront, as a browser without JavaScript
uses them: totals recomputed by a button, refusals next to the field, the payment for the
total."""

from __future__ import annotations

from decimal import Decimal

import httpx

from shopkeep.db import Database
from shopkeep.pricing import service as pricing
from tests.web.helpers import CUSTOMER, add, post_form, text_of
from tests.web.test_checkout_details import field
from tests.web.test_checkout_orders import KEYBOARD, _payment_id, stock_of

MOUSE = 5  # 29.99


async def code(database: Database, name: str, **fields: object) -> None:
    await database.write(
        pricing.create_code, {"code": name, "kind": "percent", "value": Decimal(10), **fields}
    )


async def test_the_checkout_page_starts_with_the_first_method_and_says_prices_include_tax(
    shop: httpx.AsyncClient,
) -> None:
    await add(shop, MOUSE)
    page = (await shop.get("/checkout")).text
    text = text_of(page)
    assert "Standard delivery: $4.99 (free from $50.00)" in text
    assert "Express delivery: $12.99" in text
    assert 'value="standard" checked' in page
    assert "Subtotal $29.99 Shipping (Standard delivery) $4.99 Total $34.98" in text
    assert "Prices include tax." in text


async def test_update_totals_applies_the_code_and_the_method_without_placing_anything(
    shop: httpx.AsyncClient, sandbox: httpx.AsyncClient, database: Database
) -> None:
    await code(database, "TENOFF")
    await add(shop, KEYBOARD)
    before = await stock_of(database, KEYBOARD)
    fields = {**CUSTOMER, "shipping_method": "express", "discount_code": "tenoff"}
    response = await post_form(shop, "/checkout", {**fields, "action": "totals"}, page="/checkout")
    assert response.status_code == 200
    text = text_of(response.text)
    assert (
        "Subtotal $89.99 Discount (TENOFF) -$9.00 Shipping (Express delivery) $12.99 Total $93.98"
        in text
    )
    assert "Place order and pay $93.98" in text
    assert 'value="express" checked' in response.text
    assert 'value="ada@example.com"' in field(response.text, "email")  # typed details kept
    assert await stock_of(database, KEYBOARD) == before
    # Placing it sends the shopper to pay the total.
    placed = await post_form(shop, "/checkout", fields, page="/checkout")
    assert placed.status_code == 303, placed.text
    payment = (await sandbox.get(f"/payments/{_payment_id(placed.headers['location'])}")).json()
    assert payment["amount"] == 93.98
    order = text_of((await shop.get(f"/orders/{payment['order_id']}")).text)
    assert "Discount (TENOFF) -$9.00 Shipping (Express delivery) $12.99 Total $93.98" in order


async def test_a_code_that_cannot_be_used_is_said_next_to_its_field_and_nothing_is_reserved(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await code(database, "BIG", min_subtotal_cents=10_000)
    await add(shop, KEYBOARD)
    before = await stock_of(database, KEYBOARD)
    for typed, sentence in (
        ("big", "The code BIG needs a subtotal of at least $100.00 (this cart: $89.99)."),
        ("nope", "There is no discount code 'nope': check its spelling."),
    ):
        response = await post_form(
            shop, "/checkout", {**CUSTOMER, "discount_code": typed}, page="/checkout"
        )
        assert response.status_code == 400
        assert 'aria-invalid="true"' in field(response.text, "discount_code")
        assert f'<p class="field-error" id="discount_code-error">{sentence}</p>' in (
            response.text.replace("&#39;", "'")
        )
    missing = await post_form(
        shop, "/checkout", {**CUSTOMER, "shipping_method": ""}, page="/checkout"
    )
    assert missing.status_code == 400
    assert "Choose how your order is shipped." in text_of(missing.text)
    assert await stock_of(database, KEYBOARD) == before


async def test_a_code_on_the_cart_page_shows_the_discount_and_goes_on_to_checkout(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await code(database, "TENOFF")
    await add(shop, KEYBOARD)
    page = (await shop.get("/cart", params={"discount_code": "tenoff"})).text
    assert "Discount (TENOFF) -$9.00" in text_of(page)
    assert 'href="/checkout?discount_code=TENOFF"' in page
    checkout = text_of((await shop.get("/checkout?discount_code=TENOFF")).text)
    # 80.99 after the discount: standard is still free.
    assert "Discount (TENOFF) -$9.00 Shipping (Standard delivery) Free Total $80.99" in checkout
    refused = await shop.get("/cart", params={"discount_code": "gone"})
    assert refused.status_code == 400
    assert "There is no discount code" in text_of(refused.text)
    assert 'href="/checkout"' in refused.text
