"""A shipping method and a discount code at checkout in Chromium, with JavaScript (choosing a
method updates the totals at once) and without (the "Update totals" button): the refused code
is explained next to its field, and the payment page asks for the total."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from shopkeep.config import Settings
from shopkeep.db import create_database
from shopkeep.pricing import service as pricing
from tests.browser.conftest import PAYMENT_PAGE, NewShopper, server_env
from tests.browser.journeys import add_from_product_page, fill_details
from tests.servers import running_shop

MOUSE = 5  # 29.99


async def add_code(data_dir: Path) -> None:
    database = create_database(Settings(data_dir=data_dir).resolved_database_url)
    try:
        values = {"code": "TENOFF", "kind": "percent", "value": Decimal(10)}
        await database.write(pricing.create_code, values)
    finally:
        await database.close()


@pytest.fixture(scope="module")
def shop_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's shop, with a 10% code."""
    data_dir = tmp_path_factory.mktemp("pricing")
    with running_shop(server_env(data_dir), log_path=data_dir / "server.log") as shop:
        # In a thread of its own: this one may already run an event loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, add_code(data_dir)).result()
        yield shop.web_url


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_method_and_a_code_update_the_totals_and_the_payment_is_for_the_total(
    new_shopper: NewShopper, javascript: bool
) -> None:
    shopper = new_shopper(java_script_enabled=javascript)
    add_from_product_page(shopper, MOUSE, 1)
    page = shopper.goto("/checkout")
    expect(page.get_by_text("Prices include tax.")).to_be_visible()
    expect(page.get_by_label("Standard delivery")).to_be_checked()
    summary = page.get_by_role("table", name="Order summary")
    expect(summary.locator("[data-shipping]")).to_have_text("$4.99")
    expect(summary.locator("[data-total]")).to_have_text("$34.98")
    fill_details(page)

    page.get_by_label("Express delivery").check()
    if not javascript:
        page.get_by_role("button", name="Update totals").click()
    expect(summary.locator("[data-shipping]")).to_have_text("$12.99")
    expect(summary.locator("[data-total]")).to_have_text("$42.98")

    page.get_by_label("Discount code").fill("nope")
    page.get_by_role("button", name="Update totals").click()
    expect(page.locator("#discount_code-error")).to_have_text(
        "There is no discount code 'nope': check its spelling."
    )
    page.get_by_label("Discount code").fill("tenoff")
    page.get_by_role("button", name="Update totals").click()
    expect(summary.locator("[data-discount]")).to_have_text("-$3.00")
    expect(summary.locator("[data-total]")).to_have_text("$39.98")
    expect(page.get_by_label("Full name")).to_have_value("Ada Lovelace")  # details kept
    shopper.snap("checkout-with-code")

    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(PAYMENT_PAGE)
    expect(page.get_by_text("$39.98").first).to_be_visible()
