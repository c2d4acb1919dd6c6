"""The back office's order page acts on the order with forms: ship, mark delivered, refund
(a double submit refunds once), cancel after a confirmation, note; a form without its CSRF
token changes nothing; the customer's order page says each step in words."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from shopkeep.db import Database
from tests.admin.helpers import staff_member
from tests.inprocess import SANDBOX, WEB, Apps, client, refunds_asked_for
from tests.invariants import assert_stock_invariant, stock_levels
from tests.web.helpers import CUSTOMER, add, post_form, text_of
from tests.web.test_admin import REFUSAL, log_in

KEYBOARD, MOUSE = 3, 5
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123"}


@pytest.fixture
async def staff_browser(apps: Apps) -> AsyncIterator[httpx.AsyncClient]:
    await staff_member(apps.web.state.database)
    async with client(apps.web, WEB) as browser:
        assert (await log_in(browser)).status_code == 303
        yield browser


async def paid_in_shop(
    shop: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    lines: tuple[tuple[int, int], ...] = ((KEYBOARD, 2), (MOUSE, 1)),
) -> str:
    """A shopper buys `lines` (2 keyboards and a mouse) and pays by card: the order id."""
    for product_id, quantity in lines:
        await add(shop, product_id, quantity)
    placed = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
    payment_page = placed.headers["location"].removeprefix(SANDBOX)
    assert (await sandbox.post(payment_page, data=CARD)).status_code == 303
    order_id = (await sandbox.get(payment_page.replace("/pay/", "/payments/"))).json()["order_id"]
    return str(order_id)


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


async def test_staff_ship_refund_a_line_and_the_customer_reads_each_step(
    shop: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    staff_browser: httpx.AsyncClient,
    apps: Apps,
    database: Database,
) -> None:
    initial = await stock_levels(database)
    order_id = await paid_in_shop(shop, sandbox)
    page_path = f"/admin/orders/{order_id}"

    shipped = await post_form(
        staff_browser,
        f"{page_path}/shipments",
        {
            "ship_3": "1",
            "ship_5": "1",
            "carrier": "UPS",
            "tracking_number": "1Z42",
            "tracking_url": "https://ups.example/1Z42",
        },
        page=page_path,
    )
    assert shipped.status_code == 303, shipped.text
    too_many = await post_form(
        staff_browser,
        f"{page_path}/shipments",
        {"ship_3": "5", "carrier": "UPS", "tracking_number": "1Z43"},
        page=page_path,
    )
    assert too_many.status_code == 400
    assert "Only 1 of " in text_of(too_many.text)

    # One keyboard refunded and put back; the form submitted twice (same key) refunds once.
    page = (await staff_browser.get(page_path)).text
    form = {"key": hidden(page, "key"), "mode": "lines", "refund_3": "1", "restock_3": "1"}
    token = hidden(page, "csrf_token")
    first, second = await asyncio.gather(
        *(post_form(staff_browser, f"{page_path}/refunds", form, token=token) for _ in range(2))
    )
    assert (first.status_code, second.status_code) == (303, 303)
    assert await refunds_asked_for(apps, database) == 1
    page = text_of((await staff_browser.get(page_path)).text)
    assert "partially refunded" in page and "$89.99: succeeded" in page
    assert "Mechanical Keyboard (2 bought at $89.99, 1 left to refund)" in page
    assert "Wireless Ergonomic Mouse (1 bought at $29.99)" in page

    above = await post_form(
        staff_browser,
        f"{page_path}/refunds",
        {"key": "another", "mode": "amount", "amount": "10000"},
        page=page_path,
    )
    assert above.status_code == 400
    assert "is more than what is left to refund" in text_of(above.text)

    shipment_id = re.search(r'id="shipment-(\d+)"', (await staff_browser.get(page_path)).text)
    assert shipment_id
    delivered = await post_form(
        staff_browser, f"{page_path}/shipments/{shipment_id.group(1)}/delivered", page=page_path
    )
    assert delivered.status_code == 303
    noted = await post_form(
        staff_browser, f"{page_path}/notes", {"text": "Wrapped as a gift"}, page=page_path
    )
    assert noted.status_code == 303

    customer = text_of((await shop.get(f"/orders/{order_id}")).text)
    assert "Shipped with UPS, tracking number 1Z42." in customer
    assert "Delivered (UPS, tracking number 1Z42)." in customer
    assert "$89.99 was refunded to your card." in customer
    assert "Wrapped as a gift" not in customer
    assert "Wrapped as a gift" in text_of((await staff_browser.get(page_path)).text)
    await assert_stock_invariant(database, initial)


async def test_staff_cancel_after_a_confirmation_and_the_customer_reads_it(
    shop: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    staff_browser: httpx.AsyncClient,
    apps: Apps,
    database: Database,
) -> None:
    initial = await stock_levels(database)
    order_id = await paid_in_shop(shop, sandbox)
    page_path = f"/admin/orders/{order_id}"
    confirm = await staff_browser.get(f"{page_path}/cancel")
    assert confirm.status_code == 200
    assert "refunded to the customer's card" in text_of(confirm.text)
    for token in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 64}):
        refused = await staff_browser.post(f"{page_path}/cancel", data=token)
        assert refused.status_code == 403 and REFUSAL in refused.text
    assert "Paid" in text_of((await shop.get(f"/orders/{order_id}")).text)

    done = await post_form(staff_browser, f"{page_path}/cancel", page=f"{page_path}/cancel")
    assert done.status_code == 303
    assert await refunds_asked_for(apps, database) == 1
    customer = text_of((await shop.get(f"/orders/{order_id}")).text)
    assert "The shop cancelled this order" in customer
    assert "Cancelled by the shop" in customer and "was refunded to your card." in customer
    assert "Replaced" not in customer
    await assert_stock_invariant(database, initial)


async def test_the_staff_action_forms_need_a_staff_session(
    shop: httpx.AsyncClient, sandbox: httpx.AsyncClient, apps: Apps
) -> None:
    order_id = await paid_in_shop(shop, sandbox)
    async with client(apps.web, WEB) as stranger:
        response = await post_form(stranger, f"/admin/orders/{order_id}/cancel", page="/")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/admin/login")
    assert "Paid" in text_of((await shop.get(f"/orders/{order_id}")).text)


async def test_staff_refund_the_shipping_once_from_the_order_page(
    shop: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    staff_browser: httpx.AsyncClient,
    apps: Apps,
    database: Database,
) -> None:
    # 29.99, under standard shipping's free-from 50.00
    order_id = await paid_in_shop(shop, sandbox, ((MOUSE, 1),))
    page_path = f"/admin/orders/{order_id}"

    page = (await staff_browser.get(page_path)).text
    assert "Refund the shipping ($4.99" in text_of(page)
    refunded = await post_form(
        staff_browser,
        f"{page_path}/refunds",
        {"key": hidden(page, "key"), "mode": "lines", "shipping": "1"},
        page=page_path,
    )
    assert refunded.status_code == 303, refunded.text
    assert await refunds_asked_for(apps, database) == 1
    again = await post_form(
        staff_browser,
        f"{page_path}/refunds",
        {"key": "shipping-again", "mode": "lines", "shipping": "1"},
        page=page_path,
    )
    assert again.status_code == 400
    assert "shipping" in text_of(again.text).lower()

    line = await post_form(
        staff_browser,
        f"{page_path}/refunds",
        {"key": "the-mouse", "mode": "lines", "refund_5": "1"},
        page=page_path,
    )
    assert line.status_code == 303, line.text
    assert await refunds_asked_for(apps, database) == 1
    page = text_of((await staff_browser.get(page_path)).text)
    assert "$4.99: succeeded" in page and "$29.99: succeeded" in page
    assert "($34.98 refunded)" in page
