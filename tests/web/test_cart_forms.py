"""The cart through forms: adding, changing, removing, the cookie, and bad input."""

from __future__ import annotations

import re

import httpx
import pytest

from shopkeep.carts import service as carts
from shopkeep.db import Database, utcnow
from tests.invariants import set_product
from tests.web.helpers import add, cart_lines, post_form, text_of

KEYBOARD, MONITOR, WATCH, BOARD = 3, 6, 7, 24  # 89.99 (75), 329.99 (4), sold out, 19.99 (160)


def cart_cookie(response: httpx.Response) -> str:
    cookie = next(
        value for value in response.headers.get_list("set-cookie") if "shopkeep_cart=" in value
    )
    return cookie


async def test_adding_opens_a_cart_in_a_long_lived_http_only_cookie(
    shop: httpx.AsyncClient,
) -> None:
    assert (await shop.get("/cart")).headers.get_list("set-cookie") != []  # the form token's
    assert "shopkeep_cart" not in shop.cookies  # no cart until something is added
    response = await add(shop, KEYBOARD, 2)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = cart_cookie(response).lower()
    assert re.search(r"shopkeep_cart=[0-9a-f]{32};", cookie)
    for attribute in ("httponly", "samesite=lax", "path=/", "max-age=31536000"):
        assert attribute in cookie
    assert await cart_lines(shop) == {KEYBOARD: 2}


async def test_after_an_add_the_next_page_says_so_once_and_the_badge_counts_units(
    shop: httpx.AsyncClient,
) -> None:
    await add(shop, KEYBOARD, 2)
    await add(shop, BOARD, 1)
    page = (await shop.get("/")).text
    assert 'role="status" aria-live="polite">Added Bamboo Cutting Board to your cart.<' in page
    assert '<span class="badge" data-cart-count>3</span>' in page
    again = (await shop.get("/")).text
    assert 'aria-live="polite"></p>' in again


async def test_adding_again_adds_up_and_totals_are_exact(shop: httpx.AsyncClient) -> None:
    await add(shop, BOARD, 1)
    await add(shop, BOARD, 2)
    assert await cart_lines(shop) == {BOARD: 3}
    text = text_of((await shop.get("/cart")).text)
    assert "$19.99 each" in text
    assert "Line total: $59.97" in text
    assert "Total $59.97" in text


async def test_the_add_form_comes_back_to_the_page_it_was_on(shop: httpx.AsyncClient) -> None:
    back = await post_form(
        shop, "/cart/items", {"product_id": "3", "quantity": "1", "next": "/?category=1&page=2"}
    )
    assert back.headers["location"] == "/?category=1&page=2"
    for elsewhere in ("https://evil.test/", "//evil.test/x", "/\\evil.test", "javascript:x"):
        response = await post_form(
            shop, "/cart/items", {"product_id": "3", "quantity": "1", "next": elsewhere}
        )
        assert response.headers["location"] == "/"


async def test_the_script_gets_json_with_the_new_count(shop: httpx.AsyncClient) -> None:
    await add(shop, KEYBOARD, 1)
    response = await add(shop, BOARD, 2, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {
        "detail": "Added Bamboo Cutting Board (quantity 2) to your cart.",
        "count": 3,
    }
    refused = await add(shop, MONITOR, 5, headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Only 4 left in stock.", "field": "quantity"}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-1", "Choose a quantity of at least 1."),
        ("0", "Choose a quantity of at least 1."),
        ("1001", "You can buy at most 1,000 of one product."),
        ("9" * 40, "You can buy at most 1,000 of one product."),
        ("1" * 200, "Enter a whole number, like 1 or 2."),
        ("abc", "Enter a whole number, like 1 or 2."),
        ("1.5", "Enter a whole number, like 1 or 2."),
        ("", "Enter a whole number, like 1 or 2."),
    ],
)
async def test_a_bad_quantity_is_explained_next_to_it_and_changes_nothing(
    shop: httpx.AsyncClient, quantity: str, message: str
) -> None:
    await add(shop, BOARD, 1)
    response = await add(shop, KEYBOARD, quantity)
    assert response.status_code == 400
    assert re.search(rf'id="quantity-error" data-form-error>{re.escape(message)}<', response.text)
    assert 'aria-invalid="true"' in response.text
    assert f'value="{quantity}"' in response.text  # what was typed stays, to be corrected
    assert 'name="next" value="/products/3"' in response.text  # a retry comes back here
    assert await cart_lines(shop) == {BOARD: 1}


async def test_asking_for_more_than_the_stock_says_how_many_are_left(
    shop: httpx.AsyncClient,
) -> None:
    response = await add(shop, MONITOR, 5)
    assert response.status_code == 400
    assert "Only 4 left in stock." in response.text
    assert "shopkeep_cart" not in shop.cookies  # no cart was opened for nothing
    await add(shop, MONITOR, 3)
    more = await add(shop, MONITOR, 2)
    assert "Only 4 left in stock and your cart already has 3: you can add 1 more." in more.text
    sold_out = await add(shop, WATCH, 1)
    assert sold_out.status_code == 400 and "sold out" in sold_out.text
    assert await cart_lines(shop) == {MONITOR: 3}


async def test_an_unknown_product_cannot_be_added(shop: httpx.AsyncClient) -> None:
    for product_id in ("999999", "abc", "-1", ""):
        response = await post_form(shop, "/cart/items", {"product_id": product_id})
        assert response.status_code == 404
        assert "We could not find that product" in response.text
    assert await cart_lines(shop) == {}


async def test_changing_a_quantity_and_zero_removing_the_line(shop: httpx.AsyncClient) -> None:
    await add(shop, KEYBOARD, 1)
    await add(shop, BOARD, 1)
    changed = await post_form(shop, f"/cart/items/{KEYBOARD}", {"quantity": "4"}, page="/cart")
    assert changed.status_code == 303 and changed.headers["location"] == "/cart"
    assert await cart_lines(shop) == {KEYBOARD: 4, BOARD: 1}
    page = (await shop.get("/cart")).text  # the cart page read by cart_lines showed the flash
    assert "Total $379.95" in text_of(page)
    await post_form(shop, f"/cart/items/{BOARD}", {"quantity": "0"}, page="/cart")
    assert await cart_lines(shop) == {KEYBOARD: 4}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-2", "Choose a quantity of at least 0."),
        ("100000000000000000000000", "You can buy at most 1,000 of one product."),
        ("1001", "You can buy at most 1,000 of one product."),
        ("lots", "Enter a whole number, like 1 or 2."),
        ("76", "Only 75 left in stock."),
    ],
)
async def test_a_bad_new_quantity_is_shown_on_its_line_and_changes_nothing(
    shop: httpx.AsyncClient, quantity: str, message: str
) -> None:
    await add(shop, KEYBOARD, 2)
    response = await post_form(
        shop, f"/cart/items/{KEYBOARD}", {"quantity": quantity}, page="/cart"
    )
    assert response.status_code == 400
    assert re.search(rf'id="qty-error-{KEYBOARD}">{re.escape(message)}<', response.text)
    assert await cart_lines(shop) == {KEYBOARD: 2}


async def test_removing_a_line(shop: httpx.AsyncClient) -> None:
    await add(shop, KEYBOARD, 1)
    await add(shop, BOARD, 2)
    removed = await post_form(shop, f"/cart/items/{KEYBOARD}/remove", page="/cart")
    assert removed.status_code == 303
    page = (await shop.get("/cart")).text
    assert "Removed Mechanical Keyboard from your cart." in page
    assert await cart_lines(shop) == {BOARD: 2}
    again = await post_form(shop, f"/cart/items/{KEYBOARD}/remove", page="/cart")
    assert again.status_code == 303
    assert "That item is no longer in your cart." in (await shop.get("/cart")).text


async def test_a_line_shows_when_the_stock_fell_below_its_quantity(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, KEYBOARD, 5)
    await add(shop, BOARD, 1)
    await database.write(set_product, KEYBOARD, stock=3)
    await database.write(set_product, BOARD, stock=0)
    page = (await shop.get("/cart")).text
    assert "Only 3 left in stock: lower the quantity to check out." in page
    assert "Sold out: remove it to check out." in page
    assert 'href="/checkout"' not in page


async def test_a_product_its_seller_deleted_stays_on_its_line_outside_the_total(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, KEYBOARD, 1)
    await add(shop, BOARD, 2)
    await database.write(set_product, BOARD, deleted_at=utcnow())
    page = (await shop.get("/cart")).text
    assert "No longer available: remove it to check out." in page
    assert "89.99" in text_of(page) and "129.97" not in text_of(page)
    assert 'href="/checkout"' not in page


async def test_a_cookie_naming_a_cart_that_is_gone_starts_afresh(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, KEYBOARD, 1)
    old_cart = shop.cookies["shopkeep_cart"]
    await database.write(carts.delete_cart, old_cart)
    response = await shop.get("/cart")
    assert "Your cart is empty." in response.text
    assert '<span class="badge" data-cart-count>0</span>' in response.text
    assert 'shopkeep_cart=""' in response.headers["set-cookie"]  # the stale cookie is dropped
    await add(shop, BOARD, 1)
    assert shop.cookies["shopkeep_cart"] != old_cart
    assert await cart_lines(shop) == {BOARD: 1}


async def test_a_malformed_cart_cookie_is_ignored(shop: httpx.AsyncClient) -> None:
    shop.cookies.set("shopkeep_cart", "not-a-cart'; DROP TABLE carts", domain="shop.test")
    assert "Your cart is empty." in (await shop.get("/cart")).text
    assert (await add(shop, KEYBOARD, 1)).status_code == 303
    assert await cart_lines(shop) == {KEYBOARD: 1}
