"""The back office in a real browser: a staff member logs in, sees the dashboard, finds orders
by the start of their id or the customer's email, and ships, delivers, refunds and cancels
them, with JavaScript and without."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewShopper, Shopper, server_env
from tests.cli.test_cli import SHOPKEEP
from tests.helpers import PASSWORD
from tests.servers import Shop, eventually, running_shop

KEYBOARD = 3


@pytest.fixture(scope="module")
def back_office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """This module's shop, with a staff member (made on the command line, as a shop owner
    would) and an order waiting for payment."""
    data_dir = tmp_path_factory.mktemp("admin")
    env = server_env(data_dir)
    created = subprocess.run(
        [SHOPKEEP, "staff", "create", "olivia", "--password-stdin"],
        env={**os.environ, **env},
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    with running_shop(env, log_path=data_dir / "server.log") as shop:
        yield shop


@pytest.fixture(scope="module")
def shop_url(back_office: Shop) -> str:
    return back_office.web_url


@pytest.fixture(scope="module")
def order_id(back_office: Shop) -> str:
    with httpx.Client(base_url=back_office.store_url) as store:
        cart_id = store.post("/cart").json()["cart_id"]
        store.post(f"/cart/{cart_id}/items", json={"product_id": KEYBOARD, "quantity": 2})
        response = store.post(f"/cart/{cart_id}/checkout")
        assert response.status_code == 200, response.text
        found: str = response.json()["order_id"]
        return found


def test_staff_log_in_see_the_dashboard_and_find_an_order(
    new_shopper: NewShopper, order_id: str
) -> None:
    staff = new_shopper()
    staff.expect_status(400)  # the wrong password
    page = staff.goto("/admin", "log-in")
    expect(page.get_by_role("heading", name="Log in to the back office")).to_be_visible()
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")
    expect(page.get_by_label("Username")).to_be_focused()
    staff.snap("refused")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("status")).to_have_text("Welcome back, olivia.")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_text("Logged in as olivia")).to_be_visible()
    expect(page.locator('[data-figure="to-ship"]')).to_contain_text("0 orders")
    staff.snap("dashboard")

    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    page.get_by_label("Search orders").fill(order_id[:10])
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Waiting for payment")
    expect(rows.first).to_contain_text("$179.98")
    staff.snap("found")

    page.get_by_role("link", name=order_id).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order_id)
    expect(page.locator("#line-3")).to_contain_text("Mechanical Keyboard")
    staff.snap("order")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    expect(page.get_by_role("heading", name="Log in to the back office")).to_be_visible()


CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123"}
CUSTOMER = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "shipping_address": {
        "line1": "12 St James's Square",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country": "GB",
    },
}


def paid_order(shop: Shop, *lines: tuple[int, int], email: str = CUSTOMER["email"]) -> str:
    """An order placed with details and paid by card at the sandbox (over HTTP)."""
    with (
        httpx.Client(base_url=shop.store_url) as store,
        httpx.Client(base_url=shop.payments_url) as sandbox,
    ):
        cart_id = store.post("/cart").json()["cart_id"]
        for product_id, quantity in lines:
            store.post(
                f"/cart/{cart_id}/items", json={"product_id": product_id, "quantity": quantity}
            )
        details = {**CUSTOMER, "email": email}
        order_id: str = store.post(f"/cart/{cart_id}/checkout", json=details).json()["order_id"]
        started = store.post(
            f"/orders/{order_id}/payment", json={"return_url": f"{shop.web_url}/orders/{order_id}"}
        )
        assert started.status_code == 201, started.text
        assert sandbox.post(f"/pay/{started.json()['payment_id']}", data=CARD).status_code == 303
        eventually(
            lambda: store.get(f"/orders/{order_id}").json()["status"] == "paid" or None,
            "the order paid",
        )
        return order_id


def payment_status(shop: Shop, order_id: str, wanted: str) -> bool | None:
    with httpx.Client(base_url=shop.store_url) as store:
        return store.get(f"/orders/{order_id}").json()["payment_status"] == wanted or None


def log_in(staff: Shopper, path: str) -> Page:
    """Open a back office page and log in on the form it asks for first."""
    page = staff.goto(path, "log-in")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def ship(
    page: Page, carrier: str, tracking_number: str, fulfilment: str, *, tracking_url: str = ""
) -> None:
    """Ship the units the order page's form holds; the order's fulfilment status after it."""
    page.get_by_label("Carrier").fill(carrier)
    page.get_by_label("Tracking number").fill(tracking_number)
    page.get_by_label("Tracking address (optional)").fill(tracking_url)
    page.get_by_role("button", name="Ship these units").click()
    expect(page.get_by_role("status")).to_have_text("Shipment added; the customer is emailed.")
    expect(page.locator('[data-field="fulfilment_status"]')).to_have_text(fulfilment)


def test_staff_ship_refund_a_line_and_cancel_and_the_customer_sees_each_step(
    new_shopper: NewShopper, back_office: Shop
) -> None:
    shipped_id = paid_order(back_office, (KEYBOARD, 2), (5, 1))
    cancelled_id = paid_order(back_office, (KEYBOARD, 1))
    staff = new_shopper()
    page = log_in(staff, f"/admin/orders/{shipped_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(shipped_id)

    ship(page, "UPS", "1Z999AA1", "shipped", tracking_url="https://ups.example/1Z999AA1")
    staff.snap("shipped")

    page.locator("#refund_3").fill("1")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Refund asked of the payment provider.")
    eventually(lambda: payment_status(back_office, shipped_id, "partially_refunded"), "refund")
    staff.snap("refunded")

    page = staff.goto(f"/admin/orders/{cancelled_id}")
    page.get_by_role("link", name="Cancel this order…").click()
    page.get_by_role("button", name="Cancel the order").click()
    expect(page.get_by_role("status")).to_have_text("Order cancelled; the customer is emailed.")
    eventually(lambda: payment_status(back_office, cancelled_id, "refunded"), "the cancel refund")

    customer = new_shopper()
    page = customer.goto(f"/orders/{shipped_id}", "shipped")
    steps = page.get_by_role("region", name="What happened")
    expect(steps).to_contain_text("Shipped with UPS, tracking number 1Z999AA1.")
    expect(steps).to_contain_text("$89.99 was refunded to your card.")
    expect(page.get_by_role("link", name="track this parcel")).to_have_attribute(
        "href", "https://ups.example/1Z999AA1"
    )
    page = customer.goto(f"/orders/{cancelled_id}", "cancelled")
    expect(page.get_by_role("heading", name="Cancelled")).to_be_visible()
    expect(page.get_by_role("region", name="What happened")).to_contain_text(
        "Cancelled by the shop"
    )


def test_without_javascript_staff_find_by_email_ship_deliver_refund_and_cancel(
    new_shopper: NewShopper, back_office: Shop
) -> None:
    order_id = paid_order(back_office, (KEYBOARD, 2), (5, 1), email="grace@navy.example.org")
    other_id = paid_order(back_office, (KEYBOARD, 1))
    staff = new_shopper(java_script_enabled=False)
    page = log_in(staff, "/admin/orders")
    page.get_by_label("Search orders").fill("GRACE@navy.example.org")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("grace@navy.example.org")
    staff.snap("found-by-email")
    page.get_by_role("link", name=order_id).click()

    page.get_by_label("Mechanical Keyboard (2 to ship)").fill("1")
    page.get_by_label("Wireless Ergonomic Mouse (1 to ship)").fill("0")
    ship(page, "DHL", "JD0001", "partially shipped")
    page.get_by_role("button", name="Mark delivered").click()
    expect(page.get_by_role("status")).to_have_text("Marked delivered.")
    expect(page.locator(".shipment")).to_contain_text("Delivered.")
    staff.snap("delivered")

    page.locator("#refund_5").fill("1")  # the unshipped mouse: put back in stock by default
    page.get_by_label("Reason (optional, the customer reads it)").fill("Out of colour")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Refund asked of the payment provider.")
    expect(page.locator('#line-5 [data-label="Put back"]')).to_have_text("1")
    eventually(lambda: payment_status(back_office, order_id, "partially_refunded"), "refund")
    staff.snap("refunded")

    page = staff.goto(f"/admin/orders/{other_id}")
    page.get_by_role("link", name="Cancel this order…").click()
    expect(page.get_by_role("heading", name=f"Cancel order {other_id[:8]}?")).to_be_visible()
    staff.snap("confirm-cancel")
    page.get_by_role("button", name="Cancel the order").click()
    expect(page.get_by_role("status")).to_have_text("Order cancelled; the customer is emailed.")
    expect(page.locator('[data-field="status"]')).to_have_text("Cancelled")
    eventually(lambda: payment_status(back_office, other_id, "refunded"), "the cancel refund")

    page.get_by_role("link", name="Mail", exact=True).click()
    expect(page.get_by_role("heading", name="Mail", level=1)).to_be_visible()
    expect(page.locator("tbody")).to_contain_text(f"Your order {order_id[:8]} has shipped with DHL")
