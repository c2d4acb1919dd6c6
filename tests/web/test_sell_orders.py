"""The seller portal's orders through its forms, as a browser without JavaScript: a seller
sees only their lines of each paid order, ships them with tracking and marks them delivered;
another seller's order page, a form without its CSRF token and another's shipment are refused
and change nothing; the sales page and its CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.helpers import new_product, signed_up
from tests.inprocess import SANDBOX, STORE, WEB, Apps, client
from tests.web.helpers import CUSTOMER, add, post_form, text_of
from tests.web.test_admin_actions import staff_browser
from tests.web.test_sell import REFUSAL, field_error, log_in

__all__ = ["staff_browser"]

KEYBOARD = 3
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123"}


class Sellers:
    def __init__(self, alice: httpx.AsyncClient, bob: httpx.AsyncClient) -> None:
        self.alice, self.bob = alice, bob
        self.lamp = self.mug = 0


@pytest.fixture
async def sellers(apps: Apps) -> AsyncIterator[Sellers]:
    """Alice (a lamp) and Bob (a mug = 1 formula-looking name), each logged in to the portal."""
    async with (
        client(apps.store, STORE) as store,
        client(apps.web, WEB) as alice,
        client(apps.web, WEB) as bob,
    ):
        found = Sellers(alice, bob)
        _, alice_token = await signed_up(store, "alice")
        _, bob_token = await signed_up(store, "bob")
        found.lamp = (await new_product(store, alice_token, name="=Lamp", price=12.5))["id"]
        found.mug = (await new_product(store, bob_token, name="Mug", price=7))["id"]
        assert (await log_in(alice, "alice")).status_code == 303
        assert (await log_in(bob, "bob")).status_code == 303
        yield found


async def bought(
    shop: httpx.AsyncClient, sandbox: httpx.AsyncClient, *lines: tuple[int, int]
) -> str:
    for product_id, quantity in lines:
        await add(shop, product_id, quantity)
    placed = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
    payment_page = placed.headers["location"].removeprefix(SANDBOX)
    assert (await sandbox.post(payment_page, data=CARD)).status_code == 303
    order_id = (await sandbox.get(payment_page.replace("/pay/", "/payments/"))).json()["order_id"]
    return str(order_id)


async def test_each_seller_ships_their_lines_from_the_portal_and_nothing_else(
    shop: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    sellers: Sellers,
    staff_browser: httpx.AsyncClient,
) -> None:
    order_id = await bought(shop, sandbox, (sellers.lamp, 2), (sellers.mug, 1), (KEYBOARD, 1))
    page_path = f"/sell/orders/{order_id}"

    listing = await sellers.alice.get("/sell/orders")
    assert listing.status_code == 200
    text = text_of(listing.text)
    assert "Orders (1 to ship)" in text
    assert (
        "2 \N{MULTIPLICATION SIGN} =Lamp" in text
        and "Mug" not in text
        and "Ada Lovelace, London (GB)" in text
    )
    page = await sellers.alice.get(page_path)
    assert "SW1Y 4JH" in page.text and "Mug" not in page.text and "89.99" not in page.text

    # Bob may not open Alice's part, nor ship it; a form without its token changes nothing.
    assert (await sellers.bob.get(page_path)).status_code == 200  # his own part
    assert "=Lamp" not in (await sellers.bob.get(page_path)).text
    not_yours = await post_form(
        sellers.bob,
        f"{page_path}/shipments",
        {f"ship_{sellers.lamp}": "1", "carrier": "DHL", "tracking_number": "X1"},
        page=page_path,
    )
    assert not_yours.status_code == 403
    no_token = await sellers.alice.post(
        f"{page_path}/shipments", data={"carrier": "DHL", "tracking_number": "X1"}
    )
    assert no_token.status_code == 403 and REFUSAL in no_token.text
    too_many = await post_form(
        sellers.alice,
        f"{page_path}/shipments",
        {f"ship_{sellers.lamp}": "3", "carrier": "DHL", "tracking_number": "X1"},
        page=page_path,
    )
    assert too_many.status_code == 409
    assert field_error(too_many.text, "shipment") == (
        "Only 2 of '=Lamp' remain to ship (asked to ship 3)."
    )
    assert (await shop.get(f"/orders/{order_id}")).text.count('class="shipment"') == 0

    shipped = await post_form(
        sellers.alice,
        f"{page_path}/shipments",
        {
            f"ship_{sellers.lamp}": "2",
            "carrier": "DHL",
            "tracking_number": "JD0001",
            "tracking_url": "https://dhl.example/JD0001",
        },
        page=page_path,
    )
    assert shipped.status_code == 303, shipped.text
    after = await sellers.alice.get(page_path)
    assert "Orders (1 to ship)" not in text_of(after.text)
    [shipment_id] = re.findall(r'id="shipment-(\d+)"', after.text)
    theirs = await post_form(
        sellers.bob, f"{page_path}/shipments/{shipment_id}/delivered", page=page_path
    )
    assert theirs.status_code == 403
    delivered = await post_form(
        sellers.alice, f"{page_path}/shipments/{shipment_id}/delivered", page=page_path
    )
    assert delivered.status_code == 303
    staff_page = text_of((await staff_browser.get(f"/admin/orders/{order_id}")).text)
    assert "The shop's own lines: 1 unit waiting to ship" in staff_page
    assert "Seller alice: nothing waiting" in staff_page
    assert "Seller bob: 1 unit waiting to ship" in staff_page
    dashboard = text_of((await staff_browser.get("/admin")).text)
    assert "bob: 1 order" in dashboard and "alice:" not in dashboard
    customer = text_of((await shop.get(f"/orders/{order_id}")).text)
    assert "Delivered with DHL" in customer and "JD0001" in customer

    sales = await sellers.alice.get("/sell/sales")
    assert sales.status_code == 200 and "=Lamp" in sales.text and "25.00" in sales.text
    download = await sellers.alice.get(
        re.findall(r'href="(/sell/sales\.csv[^"]+)"', sales.text)[0].replace("&amp;", "&")
    )
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[1] == [str(sellers.lamp), "'=Lamp", "2", "0", "2", "25.00"]
    bad_days = await sellers.alice.get("/sell/sales?from=2026-03-02&to=2026-03-01")
    assert bad_days.status_code == 400
    assert field_error(bad_days.text, "to") == "The last day cannot be before the first."
