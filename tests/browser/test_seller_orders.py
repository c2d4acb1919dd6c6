"""Sellers fulfil their part of an order in a real browser: a shopper buys from two sellers,
each seller logs in to the portal and ships their lines with tracking (one of them on a
phone), and the shopper's order page shows both shipments, on a desktop and on a phone."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, NewShopper, Shopper, server_env
from tests.browser.journeys import add_from_product_page, fill_details, pay_on_the_payment_page
from tests.helpers import PASSWORD
from tests.servers import Shop, running_shop

pytestmark = pytest.mark.slow  # a shop of its own (`shopkeep serve`)


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    data_dir = tmp_path_factory.mktemp("market")
    with running_shop(server_env(data_dir), log_path=data_dir / "server.log") as shop:
        yield shop


@pytest.fixture(scope="module")
def shop_url(market: Shop) -> str:
    return market.web_url


@pytest.fixture(scope="module")
def products(market: Shop) -> dict[str, int]:
    """Alice's lamp and Bob's mug, put in the shop through the API."""
    found = {}
    with httpx.Client(base_url=market.store_url) as store:
        for username, name in (("alice", "Walnut Lamp"), ("bob", "Stoneware Mug")):
            signed = store.post("/sellers", json={"username": username, "password": PASSWORD})
            assert signed.status_code == 201, signed.text
            token = {"Authorization": f"Bearer {signed.json()['access_token']}"}
            product = {"name": name, "category_id": 1, "price": 20, "stock": 10}
            created = store.post("/products", json=product, headers=token)
            assert created.status_code == 201, created.text
            found[username] = created.json()["id"]
    return found


def ship_as(seller: Shopper, username: str, order_id: str, carrier: str, number: str) -> None:
    page = seller.goto("/sell/orders", f"{username}-log-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Orders (1 to ship)")).to_be_visible()
    seller.no_horizontal_scroll()
    page.get_by_role("link", name=order_id[:8]).click()
    expect(page.get_by_role("region", name="Ship to")).to_contain_text("Ada Lovelace")
    page.get_by_label("Carrier").fill(carrier)
    page.get_by_label("Tracking number").fill(number)
    page.get_by_role("button", name="Ship these units").click()
    expect(page.get_by_role("status")).to_have_text("Shipment added; the customer is emailed.")
    expect(page.locator('[data-field="fulfilment_status"]')).to_have_text("shipped")
    expect(page.get_by_role("link", name="Orders", exact=True)).to_be_visible()
    seller.no_horizontal_scroll()
    seller.snap(f"{username}-shipped")


def test_two_sellers_ship_their_parts_and_the_shopper_sees_both_shipments(
    new_shopper: NewShopper, products: dict[str, int]
) -> None:
    shopper = new_shopper()
    add_from_product_page(shopper, products["alice"], 1)
    add_from_product_page(shopper, products["bob"], 2)
    page = shopper.goto("/checkout")
    fill_details(page)
    page.get_by_role("button", name="Place order").click()
    page = pay_on_the_payment_page(shopper)
    order_id = page.url.split("/orders/")[1].split("?")[0]

    ship_as(new_shopper(), "alice", order_id, "DHL", "JD0001")
    ship_as(new_shopper(viewport=PHONE, is_mobile=True), "bob", order_id, "Royal Mail", "RM42")

    for viewport in (None, PHONE):
        reader = shopper if viewport is None else new_shopper(viewport=viewport, is_mobile=True)
        page = reader.goto(f"/orders/{order_id}", "order-phone" if viewport else "order")
        expect(page.get_by_role("region", name="Shipment 1")).to_contain_text("Walnut Lamp")
        expect(page.get_by_role("region", name="Shipment 1")).to_contain_text("JD0001")
        expect(page.get_by_role("region", name="Shipment 2")).to_contain_text(
            "2 \N{MULTIPLICATION SIGN} Stoneware Mug"
        )
        expect(page.get_by_role("region", name="Shipment 2")).to_contain_text("RM42")
        reader.no_horizontal_scroll()
