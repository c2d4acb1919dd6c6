"""The seller portal in a real browser: a seller signs up, puts a product in the shop, changes
its price and stock, deletes it and logs out; with JavaScript, without it, and on a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PHONE, NewShopper, Shopper

PASSWORD = "correct horse battery"


def sign_up(shopper: Shopper, username: str, *, tap: bool = False) -> Page:
    """From the shop's header to a new seller account, logged in."""
    page = shopper.goto("/", "shop")
    press(page.get_by_role("link", name="Sell", exact=True), tap)
    expect(page.get_by_role("heading", name="Log in to sell")).to_be_visible()
    shopper.snap("log-in")
    press(page.get_by_role("link", name="Create a seller account"), tap)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    shopper.snap("sign-up")
    press(page.get_by_role("button", name="Create account"), tap)
    expect(page.get_by_role("status")).to_have_text(
        f"Welcome, {username}! Your seller account is ready."
    )
    expect(page.get_by_text(f"Logged in as {username}")).to_be_visible()
    shopper.snap("signed-up")
    return page


def fill_product(page: Page, name: str, price: str, stock: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Brand").fill("Grainlight")
    page.get_by_label("Category").select_option(label="Home & Kitchen")
    page.get_by_label("Price (USD)").fill(price)
    page.get_by_label("Units in stock").fill(stock)
    page.get_by_label("Description").fill("Turned from one piece of walnut.")


def press(target: Locator, tap: bool) -> None:
    """Tap on a touch screen, click elsewhere."""
    if tap:
        target.tap()
    else:
        target.click()


def test_a_seller_puts_a_product_in_the_shop_changes_it_and_takes_it_away(
    new_shopper: NewShopper,
) -> None:
    seller = new_shopper()
    seller.expect_status(400)  # the wrong password
    page = sign_up(seller, "journey-seller")
    expect(page.get_by_text("You have no products in the shop yet.")).to_be_visible()

    page.get_by_role("link", name="Add a product").click()
    fill_product(page, "Walnut Desk Lamp", "49.50", "7")
    page.get_by_role("button", name="Add product").click()
    expect(page.get_by_role("status")).to_have_text("Added Walnut Desk Lamp to the shop.")
    lamp = page.locator("tbody tr").first
    expect(lamp).to_contain_text("Walnut Desk Lamp")
    expect(lamp).to_contain_text("$49.50")
    expect(lamp.locator("[data-stock]")).to_have_text("7")
    seller.snap("listed")

    # A shopper (another browser) finds it in the shop at once.
    shopper = new_shopper()
    shopper.expect_status(404)  # the product's page, once it is deleted
    shop = shopper.goto("/?search=walnut+desk", "search")
    expect(shop.locator(".card-name")).to_have_text(["Walnut Desk Lamp"])
    shop.get_by_role("link", name="Walnut Desk Lamp").click()
    expect(shop.get_by_role("heading", level=1)).to_have_text("Walnut Desk Lamp")
    expect(shop.locator(".product-price")).to_have_text("$49.50")
    product_url = shop.url
    shopper.snap("in-the-shop")

    page.get_by_role("link", name="Edit Walnut Desk Lamp").click()
    expect(page.get_by_label("Price (USD)")).to_have_value("49.50")
    page.get_by_label("Price (USD)").fill("44")
    page.get_by_label("Units in stock").fill("2")
    seller.snap("editing")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Saved your changes to Walnut Desk Lamp.")
    expect(lamp).to_contain_text("$44.00")
    expect(lamp.locator("[data-stock]")).to_have_text("2")

    shop.reload()
    expect(shop.locator(".product-price")).to_have_text("$44.00")
    expect(shop.locator(".product-details .stock")).to_have_text("Only 2 left")
    shopper.snap("changed-in-the-shop")

    page.get_by_role("link", name="Delete Walnut Desk Lamp").click()
    expect(page.get_by_role("heading", name="Delete Walnut Desk Lamp?")).to_be_visible()
    seller.snap("confirm-delete")
    page.get_by_role("button", name="Delete product").click()
    expect(page.get_by_role("status")).to_have_text(
        "Deleted Walnut Desk Lamp: it is no longer in the shop."
    )
    expect(page.get_by_text("You have no products in the shop yet.")).to_be_visible()
    shop.goto(product_url)
    expect(shop.get_by_role("heading", name="Page not found")).to_be_visible()
    shopper.snap("gone-from-the-shop")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    expect(page.get_by_role("heading", name="Log in to sell")).to_be_visible()
    page.get_by_label("Username").fill("journey-seller")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")
    expect(page.get_by_label("Username")).to_be_focused()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_have_text("Welcome back, journey-seller.")
    seller.snap("logged-in-again")


def test_the_portal_works_without_javascript(new_shopper: NewShopper) -> None:
    seller = new_shopper(java_script_enabled=False)
    seller.expect_status(400)  # the refused price
    page = sign_up(seller, "plain-forms")
    page.get_by_role("link", name="Add a product").click()
    fill_product(page, "Oak Shelf", "19.999", "3")
    page.get_by_role("button", name="Add product").click()
    expect(page.locator("#price-error")).to_have_text("Use at most two decimals, like 19.99.")
    expect(page.get_by_label("Price (USD)")).to_be_focused()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Oak Shelf")  # kept
    seller.snap("refused-price")
    page.get_by_label("Price (USD)").fill("19.99")
    page.get_by_role("button", name="Add product").click()
    expect(page.get_by_role("status")).to_have_text("Added Oak Shelf to the shop.")

    page.get_by_role("link", name="Edit Oak Shelf").click()
    page.get_by_label("Units in stock").fill("0")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Saved your changes to Oak Shelf.")
    shelf = page.locator("tbody tr").first
    expect(shelf).to_contain_text("Out of stock")

    shelf.get_by_role("link", name="Oak Shelf", exact=True).click()
    expect(page.get_by_text("This product is sold out.")).to_be_visible()
    seller.snap("sold-out-in-the-shop")
    page.go_back()
    page.get_by_role("link", name="Delete Oak Shelf").click()
    page.get_by_role("button", name="Delete product").click()
    expect(page.get_by_role("status")).to_have_text(
        "Deleted Oak Shelf: it is no longer in the shop."
    )
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")


def test_the_portal_fits_a_phone_screen(new_shopper: NewShopper) -> None:
    seller = new_shopper(viewport=PHONE, is_mobile=True, has_touch=True)
    page = sign_up(seller, "phone-seller", tap=True)
    seller.no_horizontal_scroll()
    page.get_by_role("link", name="Add a product").tap()
    expect(page.get_by_role("heading", name="Add a product")).to_be_visible()
    seller.no_horizontal_scroll()
    fill_product(page, "Pocket Lamp with a Rather Long Name for a Small Screen", "12.00", "40")
    page.get_by_role("button", name="Add product").tap()
    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"^Added Pocket Lamp with a Rather Long Name")
    )
    seller.snap("listed")
    seller.no_horizontal_scroll()
    page.get_by_role("link", name=re.compile(r"^Edit Pocket Lamp")).tap()
    expect(page.get_by_label("Price (USD)")).to_have_value("12.00")
    seller.no_horizontal_scroll()
    page.get_by_label("Price (USD)").fill("11.50")
    page.get_by_role("button", name="Save changes").tap()
    expect(page.locator("tbody tr").first).to_contain_text("$11.50")
    page.get_by_role("link", name=re.compile(r"^Delete Pocket Lamp")).tap()
    expect(page.get_by_role("heading", name=re.compile(r"^Delete Pocket Lamp"))).to_be_visible()
    seller.no_horizontal_scroll()
    page.get_by_role("button", name="Delete product").tap()
    expect(page.get_by_text("You have no products in the shop yet.")).to_be_visible()
    page.get_by_role("button", name="Log out").tap()
    expect(page.get_by_role("heading", name="Log in to sell")).to_be_visible()
    seller.no_horizontal_scroll()
