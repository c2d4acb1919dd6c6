"""The back office in a real browser: a staff member logs in, sees the dashboard and finds an
order in the list by the start of its id."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NewShopper, server_env
from tests.cli.test_cli import SHOPKEEP
from tests.helpers import PASSWORD
from tests.servers import Shop, running_shop

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
