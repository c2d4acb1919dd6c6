"""The cart and checkout in a real browser: changing and removing lines, a cart that lasts
across reloads, browsers and restarts, and checking out and paying on the payment sandbox's page
(a declined card, a mistyped one, leaving the page and coming back)."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import ORDER_URL, PAYMENT_PAGE, NewShopper, Shopper, server_env
from tests.browser.journeys import (
    DECLINED_CARD,
    add_from_product_page,
    badge,
    fill_details,
    line,
    pay_on_the_payment_page,
)
from tests.servers import running_web

KEYBOARD, MONITOR, BOARD, BOTTLE = 3, 6, 24, 41


def test_changing_and_removing_lines_updates_the_totals(shopper: Shopper) -> None:
    add_from_product_page(shopper, KEYBOARD, 1)
    add_from_product_page(shopper, BOARD, 2)
    page = shopper.goto("/cart")
    expect(page.locator("[data-cart-total]")).to_have_text("$129.97")
    board = line(page, BOARD)
    board.get_by_label("Quantity of Bamboo Cutting Board").fill("3")
    board.get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_have_text("Bamboo Cutting Board: quantity changed to 3.")
    expect(line(page, BOARD).locator(".line-total")).to_have_text("Line total: $59.97")
    expect(page.locator("[data-cart-total]")).to_have_text("$149.96")
    expect(badge(page)).to_have_text("4")
    shopper.snap("changed")

    line(page, KEYBOARD).get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_have_text("Removed Mechanical Keyboard from your cart.")
    expect(line(page, KEYBOARD)).to_have_count(0)
    expect(page.locator("[data-cart-total]")).to_have_text("$59.97")
    expect(badge(page)).to_have_text("3")
    shopper.snap("removed")

    line(page, BOARD).get_by_label("Quantity of Bamboo Cutting Board").fill("0")
    line(page, BOARD).get_by_role("button", name="Update").click()
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    expect(badge(page)).to_have_text("0")


def test_a_quantity_beyond_the_stock_is_refused_on_its_line(shopper: Shopper) -> None:
    shopper.expect_status(400)
    add_from_product_page(shopper, MONITOR, 2)
    page = shopper.goto("/cart")
    monitor = line(page, MONITOR)
    monitor.get_by_label("Quantity of 27-inch 4K Monitor").fill("9")
    monitor.get_by_role("button", name="Update").click()
    expect(page.locator(f"#qty-error-{MONITOR}")).to_have_text("Only 4 left in stock.")
    expect(page.get_by_label("Quantity of 27-inch 4K Monitor")).to_have_value("9")
    expect(line(page, MONITOR)).to_have_attribute("data-quantity", "2")
    shopper.snap("stock-error")
    page.get_by_label("Quantity of 27-inch 4K Monitor").fill("-1")
    line(page, MONITOR).get_by_role("button", name="Update").click()
    expect(page.locator(f"#qty-error-{MONITOR}")).to_have_text("Choose a quantity of at least 0.")
    expect(line(page, MONITOR)).to_have_attribute("data-quantity", "2")


def test_the_cart_survives_a_reload_and_travels_with_its_cookie(
    new_shopper: NewShopper,
) -> None:
    first = new_shopper()
    add_from_product_page(first, BOTTLE, 2)
    page = first.goto("/cart")
    page.reload()
    expect(line(page, BOTTLE)).to_have_attribute("data-quantity", "2")
    first.snap("reloaded")
    cookie = next(c for c in first.context.cookies() if c["name"] == "shopkeep_cart")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert cookie["expires"] > time.time() + 300 * 24 * 3600
    assert "shopkeep_cart" not in page.evaluate("document.cookie")  # no script can read it

    # Another browser holding the same cookies (as after closing and reopening) sees the cart.
    later = new_shopper(storage_state=first.context.storage_state())
    page = later.goto("/cart")
    expect(line(page, BOTTLE)).to_have_attribute("data-quantity", "2")
    expect(badge(page)).to_have_text("2")
    # A browser without them has a cart of its own.
    stranger = new_shopper()
    expect(badge(stranger.goto("/"))).to_have_text("0")


def test_the_cart_survives_a_restart_of_the_server(new_shopper: NewShopper, tmp_path: Path) -> None:
    env = server_env(tmp_path)
    with running_web(env, log_path=tmp_path / "first.log") as url:
        shopper = new_shopper(base_url=url)
        add_from_product_page(shopper, BOARD, 3)
    with running_web(env, log_path=tmp_path / "second.log") as url:
        shopper.base_url = url
        page = shopper.goto("/cart", "cart-after-restart")
        expect(line(page, BOARD)).to_have_attribute("data-quantity", "3")
        expect(badge(page)).to_have_text("3")


def test_checking_out_reserves_the_stock_and_paying_on_the_payment_page_completes_the_order(
    shopper: Shopper,
) -> None:
    add_from_product_page(shopper, BOARD, 2)
    add_from_product_page(shopper, BOTTLE, 1)
    page = shopper.goto("/cart")
    page.get_by_role("link", name="Go to checkout").click()
    expect(page).to_have_url(shopper.url("/checkout"))
    summary = page.get_by_role("table", name="Order summary")
    expect(summary.locator("tfoot")).to_contain_text("$64.97")
    shopper.snap("checkout")
    fill_details(page)
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(PAYMENT_PAGE)
    expect(page.get_by_text("$64.97").first).to_be_visible()

    # Back to the shop without paying: the order waits, holding the stock.
    page.get_by_role("link", name="Cancel and return").click()
    expect(page).to_have_url(ORDER_URL)
    expect(page.get_by_role("heading", name="Awaiting payment")).to_be_visible()
    expect(page.get_by_text("You left the payment page")).to_be_visible()
    table = page.get_by_role("table", name="Items in this order")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("[data-total]")).to_have_text("$64.97")
    shopper.snap("order-awaiting-payment")
    order_url = page.url.split("?")[0]
    page = shopper.goto(f"/products/{BOARD}")
    expect(page.locator(".facts")).to_contain_text("158 units")

    page.goto(order_url)
    page.get_by_role("button", name="Pay $64.97").click()
    page = pay_on_the_payment_page(shopper)
    expect(page.get_by_role("heading", name="Paid")).to_be_visible()
    expect(badge(page)).to_have_text("0")
    page = shopper.goto(f"/products/{BOARD}")
    expect(page.locator(".facts")).to_contain_text("158 units")


def test_a_declined_card_fails_the_order_and_trying_again_pays(shopper: Shopper) -> None:
    add_from_product_page(shopper, BOARD, 1)
    page = shopper.goto("/checkout")
    fill_details(page)
    page.get_by_role("button", name="Place order").click()

    # A mistyped number is caught on the payment page and charges nothing.
    expect(page).to_have_url(PAYMENT_PAGE)
    shopper.expect_status(400)
    page.get_by_label("Card number").fill("4242 4242 4242 4241")
    page.get_by_label("Expiry date").fill("12/40")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay $24.98").click()  # 19.99 + standard shipping
    expect(page.get_by_role("alert")).to_contain_text("This card number is not valid")
    expect(page.get_by_label("Card number")).to_have_attribute("aria-invalid", "true")
    shopper.snap("card-number-error")

    page = pay_on_the_payment_page(shopper, DECLINED_CARD)
    expect(page.get_by_role("heading", name="Payment failed")).to_be_visible()
    expect(badge(page)).to_have_text("1")
    page.get_by_role("link", name="Try again").click()
    expect(page).to_have_url(shopper.url("/checkout"))
    page.get_by_role("button", name="Place order").click()
    page = pay_on_the_payment_page(shopper)
    expect(page.get_by_role("heading", name="Paid")).to_be_visible()
