"""Steps that many browser journeys share."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Shopper


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
