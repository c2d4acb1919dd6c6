"""The checkout form's customer details, as a browser without JavaScript posts them."""

from __future__ import annotations

import re

import httpx

from shopkeep.db import Database
from tests.web.helpers import CUSTOMER, add, post_form, text_of
from tests.web.test_checkout_orders import KEYBOARD, stock_of


def field(page: str, name: str) -> str:
    """The opening tag of the form control named `name`."""
    match = re.search(rf'<(?:input|select|textarea) id="{name}"[^>]*>', page)
    assert match, f"no field {name}"
    return match.group(0)


async def test_the_form_asks_for_each_detail_with_a_label_and_the_countries_by_name(
    shop: httpx.AsyncClient,
) -> None:
    await add(shop, KEYBOARD)
    page = (await shop.get("/checkout")).text
    for name in ("email", "name", "line1", "line2", "city", "postal_code", "country", "phone"):
        assert f'<label for="{name}">' in page
        assert f'aria-describedby="{name}-error' in field(page, name)
    assert '<option value="GB">United Kingdom</option>' in page
    assert '<option value="DE">Germany</option>' in page
    assert "aria-invalid" not in page and 'role="alert"' not in page


async def test_wrong_details_are_explained_next_to_their_fields_and_reserve_nothing(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, KEYBOARD, 2)
    before = await stock_of(database, KEYBOARD)
    typed = {
        **CUSTOMER,
        "email": "ada at example",
        "city": "",
        "note": "n" * 2000,
        "name": "Ada <b>Lovelace</b>",
    }
    response = await post_form(shop, "/checkout", typed, page="/checkout")
    assert response.status_code == 400
    page = response.text
    assert 'aria-invalid="true"' in field(page, "email")
    assert "autofocus" in field(page, "email")  # the first field with a problem
    assert 'aria-invalid="true"' in field(page, "city")
    assert 'aria-invalid="true"' in field(page, "note")
    assert "aria-invalid" not in field(page, "name")
    text = text_of(page)
    assert "Enter an email address like name@example.com." in text
    assert "Enter your town or city." in text
    assert "Use at most 1,000 characters (this has 2,000)." in text
    assert '<a href="#city">Town or city: Enter your town or city.</a>' in page
    # What was typed is kept (and escaped).
    assert 'value="ada at example"' in field(page, "email")
    assert 'value="Ada &lt;b&gt;Lovelace&lt;/b&gt;"' in field(page, "name")
    assert '<option value="GB" selected>' in page
    assert await stock_of(database, KEYBOARD) == before


async def test_a_returning_shopper_finds_the_last_orders_details_filled_in(
    shop: httpx.AsyncClient,
) -> None:
    await add(shop, KEYBOARD)
    details = {**CUSTOMER, "line2": "Flat 3", "phone": "+44 20 7946 0000", "note": "Ring twice."}
    response = await post_form(shop, "/checkout", details, page="/checkout")
    assert response.status_code == 303
    cookie = next(
        header
        for header in response.headers.get_list("set-cookie")
        if header.startswith("shopkeep_last_order=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    order_id = cookie.split(";")[0].split("=")[1]

    order_page = text_of((await shop.get(f"/orders/{order_id}")).text)
    assert "Ships to Ada Lovelace 12 St James's Square Flat 3 SW1Y 4JH London United Kingdom" in (
        order_page
    )
    assert "Emails about this order go to ada@example.com" in order_page
    assert "Ring twice." in order_page

    await add(shop, KEYBOARD)
    page = (await shop.get("/checkout")).text
    assert 'value="ada@example.com"' in field(page, "email")
    assert 'value="Flat 3"' in field(page, "line2")
    assert '<option value="GB" selected>' in page
    assert ">Ring twice.</textarea>" in page

    # A stranger's browser (no cookie) starts empty.
    shop.cookies.delete("shopkeep_last_order")
    page = (await shop.get("/checkout")).text
    assert 'value=""' in field(page, "email")
