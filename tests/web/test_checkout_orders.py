"""Checkout through the storefront: the summary, placing the order, the order page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx

from shopkeep.catalog import service as catalog
from shopkeep.db import Database
from shopkeep.orders import service as orders
from tests.web.helpers import (
    ORDER_PATH,
    add,
    cart_lines,
    form_token,
    post_form,
    set_product,
    text_of,
)

KEYBOARD, MONITOR, BOARD = 3, 6, 24


async def stock_of(database: Database, product_id: int) -> int:
    stock: int = (await database.read(catalog.get_product, product_id))["stock"]
    return stock


async def place_order(shop: httpx.AsyncClient) -> str:
    response = await post_form(shop, "/checkout", page="/checkout")
    assert response.status_code == 303, response.text
    match = ORDER_PATH.match(response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


async def test_the_checkout_page_summarises_the_cart(shop: httpx.AsyncClient) -> None:
    await add(shop, KEYBOARD, 2)
    await add(shop, BOARD, 3)
    response = await shop.get("/checkout")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "Mechanical Keyboard 2 $89.99 $179.98" in text
    assert "Bamboo Cutting Board 3 $19.99 $59.97" in text
    assert "Total $239.95" in text
    assert "Place order" in text


async def test_placing_the_order_reserves_the_stock_and_shows_the_order(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, MONITOR, 3)
    order_id = await place_order(shop)
    assert await stock_of(database, MONITOR) == 1
    order = await database.read(orders.get_order, order_id)
    assert order["status"] == "pending_payment" and order["total"] == 989.97
    page = await shop.get(f"/orders/{order_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Awaiting payment" in text and "reserved for you until" in text
    assert "27-inch 4K Monitor 3 $329.99 $989.97" in text
    assert order_id in text


async def test_an_empty_cart_cannot_be_checked_out(shop: httpx.AsyncClient) -> None:
    assert "Your cart is empty" in (await shop.get("/checkout")).text
    response = await post_form(shop, "/checkout")
    assert response.status_code == 303 and response.headers["location"] == "/cart"
    await add(shop, KEYBOARD, 1)
    await post_form(shop, f"/cart/items/{KEYBOARD}/remove", page="/cart")
    response = await post_form(shop, "/checkout")
    assert response.headers["location"] == "/cart"
    assert "Your cart is empty." in (await shop.get("/cart")).text


async def test_stock_gone_at_checkout_is_explained_and_nothing_is_reserved(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, KEYBOARD, 2)
    await add(shop, MONITOR, 4)
    token = await form_token(shop, "/checkout")
    await database.write(set_product, MONITOR, stock=2)  # sold elsewhere meanwhile
    response = await post_form(shop, "/checkout", token=token)
    assert response.status_code == 409
    text = text_of(response.text)
    assert "no longer in stock in the quantity you chose" in text
    assert "Only 2 left in stock: lower the quantity to check out." in text
    assert "Place order" not in text
    assert await stock_of(database, KEYBOARD) == 75
    assert await stock_of(database, MONITOR) == 2


async def test_the_order_page_speaks_of_each_status_in_shopper_words(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, BOARD, 1)
    failed = await place_order(shop)
    await database.write(orders.mark_payment_failed, failed, "pay_1")
    page = text_of((await shop.get(f"/orders/{failed}")).text)
    assert "Payment failed" in page and "you have not been charged" in page
    assert re.search(
        r'<a class="button primary" href="/checkout">Try again</a>',
        (await shop.get(f"/orders/{failed}")).text,
    )
    # Trying again works: the cart is still there.
    paid = await place_order(shop)
    await database.write(orders.mark_paid, paid, "pay_2")
    page_paid = await shop.get(f"/orders/{paid}")
    assert "Paid Thank you!" in text_of(page_paid.text)
    # A paid cart is closed: its cookie is dropped and the shopper starts afresh.
    assert 'shopkeep_cart=""' in page_paid.headers["set-cookie"]
    assert "shopkeep_cart" not in shop.cookies
    assert "Your cart is empty." in (await shop.get("/cart")).text


async def test_an_unpaid_order_past_its_time_shows_as_expired(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, BOARD, 2)
    order_id = await place_order(shop)
    later = (await database.read(orders.get_order, order_id))["expires_at"]
    await database.write(orders.expire_orders, datetime.fromisoformat(later) + timedelta(seconds=1))
    text = text_of((await shop.get(f"/orders/{order_id}")).text)
    assert "Expired" in text and "went back on the shelf" in text
    assert await cart_lines(shop) == {BOARD: 2}


async def test_an_unknown_order_is_a_friendly_404(shop: httpx.AsyncClient) -> None:
    for order_id in ("0" * 32, "nope", "A" * 32):
        response = await shop.get(f"/orders/{order_id}")
        assert response.status_code == 404
        assert "We could not find that order" in response.text
