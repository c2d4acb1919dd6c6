"""Checkout through the storefront: the summary, placing the order, the order page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx

from shopkeep.catalog import service as catalog
from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.orders import service as orders
from shopkeep.payments.client import PaymentsClient
from shopkeep.web.app import create_app
from tests.inprocess import SANDBOX, client, wired_settings
from tests.invariants import set_product
from tests.postgres import free_port
from tests.web.conftest import BASE_URL
from tests.web.helpers import (
    CUSTOMER,
    ORDER_PATH,
    add,
    cart_lines,
    form_token,
    post_form,
    text_of,
)

KEYBOARD, MONITOR, BOARD = 3, 6, 24
PAYMENT_PAGE = re.compile(rf"^{re.escape(SANDBOX)}/pay/(pay_[0-9a-f]{{32}})$")


async def stock_of(database: Database, product_id: int) -> int:
    stock: int = (await database.read(catalog.get_product, product_id))["stock"]
    return stock


async def place_order(shop: httpx.AsyncClient, sandbox: httpx.AsyncClient) -> str:
    """Place the order; the shopper is sent to the provider's page. Returns the order id."""
    response = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
    assert response.status_code == 303, response.text
    payment_id = _payment_id(response.headers["location"])
    order_id: str = (await sandbox.get(f"/payments/{payment_id}")).json()["order_id"]
    return order_id


def _payment_id(location: str) -> str:
    match = PAYMENT_PAGE.match(location)
    assert match, location
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
    shop: httpx.AsyncClient, database: Database, sandbox: httpx.AsyncClient
) -> None:
    await add(shop, MONITOR, 3)
    order_id = await place_order(shop, sandbox)
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
    response = await post_form(shop, "/checkout", CUSTOMER)
    assert response.status_code == 303 and response.headers["location"] == "/cart"
    await add(shop, KEYBOARD, 1)
    await post_form(shop, f"/cart/items/{KEYBOARD}/remove", page="/cart")
    response = await post_form(shop, "/checkout", CUSTOMER)
    assert response.headers["location"] == "/cart"
    assert "Your cart is empty." in (await shop.get("/cart")).text


async def test_stock_gone_at_checkout_is_explained_and_nothing_is_reserved(
    shop: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, KEYBOARD, 2)
    await add(shop, MONITOR, 4)
    token = await form_token(shop, "/checkout")
    await database.write(set_product, MONITOR, stock=2)  # sold elsewhere meanwhile
    response = await post_form(shop, "/checkout", CUSTOMER, token=token)
    assert response.status_code == 409
    text = text_of(response.text)
    assert "no longer in stock in the quantity you chose" in text
    assert "Only 2 left in stock: lower the quantity to check out." in text
    assert "Place order" not in text
    assert await stock_of(database, KEYBOARD) == 75
    assert await stock_of(database, MONITOR) == 2


async def test_the_order_page_speaks_of_each_status_in_shopper_words(
    shop: httpx.AsyncClient, database: Database, sandbox: httpx.AsyncClient
) -> None:
    await add(shop, BOARD, 1)
    failed = await place_order(shop, sandbox)
    await database.write(orders.mark_payment_failed, failed, "pay_1")
    page = text_of((await shop.get(f"/orders/{failed}")).text)
    assert "Payment failed" in page and "you have not been charged" in page
    assert re.search(
        r'<a class="button primary" href="/checkout">Try again</a>',
        (await shop.get(f"/orders/{failed}")).text,
    )
    # Trying again works: the cart is still there.
    paid = await place_order(shop, sandbox)
    await database.write(orders.mark_paid, paid, "pay_2")
    page_paid = await shop.get(f"/orders/{paid}")
    assert "Paid Thank you!" in text_of(page_paid.text)
    # A paid cart is closed: its cookie is dropped and the shopper starts afresh.
    assert 'shopkeep_cart=""' in page_paid.headers["set-cookie"]
    assert "shopkeep_cart" not in shop.cookies
    assert "Your cart is empty." in (await shop.get("/cart")).text


async def test_an_unpaid_order_past_its_time_shows_as_expired(
    shop: httpx.AsyncClient, database: Database, sandbox: httpx.AsyncClient
) -> None:
    await add(shop, BOARD, 2)
    order_id = await place_order(shop, sandbox)
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


def _page_path(url: str) -> str:
    return url.removeprefix(SANDBOX)


async def test_paying_on_the_providers_page_brings_the_shopper_back_to_a_paid_order(
    shop: httpx.AsyncClient, sandbox: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, KEYBOARD, 2)
    response = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
    checkout_url = response.headers["location"]
    page = await sandbox.get(_page_path(checkout_url))
    assert "$179.98" in page.text and "Test Shop" in page.text

    paid = await sandbox.post(
        _page_path(checkout_url),
        data={"card_number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123"},
    )
    assert paid.status_code == 303
    back = paid.headers["location"]
    assert back.startswith(f"{BASE_URL}/orders/")
    order_page = await shop.get(back.removeprefix(BASE_URL))
    text = text_of(order_page.text)
    assert "Paid Thank you!" in text
    assert await stock_of(database, KEYBOARD) == 73
    assert "Your cart is empty." in (await shop.get("/cart")).text


async def test_a_declined_card_brings_the_shopper_back_to_a_failed_order_and_trying_again_works(
    shop: httpx.AsyncClient, sandbox: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, KEYBOARD, 1)
    response = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
    declined = await sandbox.post(
        _page_path(response.headers["location"]),
        data={"card_number": "4000 0000 0000 0002", "expiry": "12/40", "cvc": "123"},
    )
    back = (await shop.get(declined.headers["location"].removeprefix(BASE_URL))).text
    assert "Payment failed" in text_of(back)
    assert 'href="/checkout">Try again</a>' in back
    assert await stock_of(database, KEYBOARD) == 75

    again = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
    assert PAYMENT_PAGE.match(again.headers["location"])
    assert await stock_of(database, KEYBOARD) == 74


async def test_leaving_the_payment_page_keeps_the_order_payable(
    shop: httpx.AsyncClient, sandbox: httpx.AsyncClient
) -> None:
    await add(shop, KEYBOARD, 1)
    response = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
    page = (await sandbox.get(_page_path(response.headers["location"]))).text
    cancel = re.search(r'href="([^"]+)">Cancel and return', page)
    assert cancel
    back = await shop.get(cancel.group(1).replace("&amp;", "&").removeprefix(BASE_URL))
    text = text_of(back.text)
    assert "Awaiting payment" in text and "You left the payment page" in text
    order_id = ORDER_PATH.match(back.url.path)
    assert order_id

    pay_again = await post_form(shop, f"/orders/{order_id.group(1)}/pay", page=back.url.path)
    assert pay_again.status_code == 303
    assert PAYMENT_PAGE.match(pay_again.headers["location"])


async def test_a_payment_the_store_has_not_heard_of_yet_is_shown_as_being_confirmed(
    shop: httpx.AsyncClient, sandbox: httpx.AsyncClient
) -> None:
    await add(shop, KEYBOARD, 1)
    order_id = await place_order(shop, sandbox)
    page = await shop.get(f"/orders/{order_id}", params={"status": "succeeded"})
    assert "waiting for the payment provider to confirm" in text_of(page.text)
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "/pay" not in page.text


async def test_an_unreachable_payment_provider_leaves_the_order_reserved_and_payable(
    database: Database, settings: Settings, sandbox_schema: None
) -> None:
    nowhere = PaymentsClient(f"http://127.0.0.1:{free_port()}")
    app = create_app(wired_settings(settings), database, payments=nowhere)
    async with client(app, BASE_URL) as shop:
        await add(shop, KEYBOARD, 1)
        response = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
        assert response.status_code == 303
        match = ORDER_PATH.match(response.headers["location"])
        assert match
        page = await shop.get(match.group(0))
        text = text_of(page.text)
        assert "We could not reach the payment provider" in text
        assert "Awaiting payment" in text
        assert f'action="/orders/{match.group(1)}/pay"' in page.text
    await nowhere.aclose()
    assert await stock_of(database, KEYBOARD) == 74


async def test_paying_for_an_order_already_paid_goes_back_to_its_page(
    shop: httpx.AsyncClient, sandbox: httpx.AsyncClient, database: Database
) -> None:
    await add(shop, KEYBOARD, 1)
    order_id = await place_order(shop, sandbox)
    token = await form_token(shop, f"/orders/{order_id}")  # the page still offers to pay
    await database.write(orders.mark_paid, order_id, "pay_elsewhere")
    response = await post_form(shop, f"/orders/{order_id}/pay", token=token)
    assert response.status_code == 303
    assert response.headers["location"] == f"/orders/{order_id}"
