"""Steps that many browser journeys share."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import ORDER_URL, PAYMENT_PAGE, Shopper

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"


def badge(page: Page) -> Locator:
    return page.locator("[data-cart-count]")


def add_from_product_page(shopper: Shopper, product_id: int, quantity: int) -> Page:
    """Add `quantity` of a product from its page, with the page's script or without it."""
    page = shopper.goto(f"/products/{product_id}")
    name = page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart", exact=True).click()
    added = f"Added {name} to your cart."
    if quantity > 1:
        added = f"Added {name} (quantity {quantity}) to your cart."
    expect(page.get_by_role("status")).to_have_text(added)
    shopper.snap(f"added-{product_id}")
    return page


def line(page: Page, product_id: int) -> Locator:
    return page.locator(f"#line-{product_id}")


def pay_on_the_payment_page(shopper: Shopper, card: str = GOOD_CARD, *, tap: bool = False) -> Page:
    """On the payment provider's page the shop sent us to: enter a card, pay, come back."""
    page = shopper.page
    expect(page).to_have_url(PAYMENT_PAGE)
    shopper.snap("payment-page")
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry date").fill("12/40")
    page.get_by_label("Security code").fill("123")
    pay = page.get_by_role("button", name=re.compile(r"^Pay \$"))
    if tap:
        pay.tap()
    else:
        pay.click()
    expect(page).to_have_url(ORDER_URL)
    shopper.snap("back-at-the-shop")
    return page


def fill_details(page: Page, *, email: str = "ada@example.com", note: str = "") -> None:
    """Fill in checkout's customer details, as a shopper types them."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address line 1").fill("12 St James's Square")
    page.get_by_label("Town or city").fill("London")
    page.get_by_label("Postal code").fill("SW1Y 4JH")
    page.get_by_label("Country").select_option("GB")
    if note:
        page.get_by_label("Note to the shop").fill(note)
