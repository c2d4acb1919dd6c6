"""A phone-sized screen: every page fits without sideways scrolling and still works."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import PAYMENT_PAGE, PHONE, NewShopper
from tests.browser.journeys import badge, fill_details, pay_on_the_payment_page


def test_the_whole_journey_fits_a_phone_screen(new_shopper: NewShopper) -> None:
    shopper = new_shopper(viewport=PHONE, is_mobile=True, has_touch=True)
    shopper.expect_status(404)
    for path in ("/", "/?category=3&sort=price-desc&in_stock=1", "/?search=no-such-thing"):
        shopper.goto(path, "grid")
        shopper.no_horizontal_scroll()
    page = shopper.goto("/products/23", "product")
    shopper.no_horizontal_scroll()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart", exact=True).tap()
    expect(badge(page)).to_have_text("2")
    page = shopper.goto("/products/40", "product")
    page.get_by_role("button", name="Add to cart", exact=True).tap()
    expect(badge(page)).to_have_text("3")
    page = shopper.goto("/cart")
    shopper.no_horizontal_scroll()
    page.get_by_role("link", name="Go to checkout").tap()
    expect(page).to_have_url(shopper.url("/checkout"))
    shopper.snap("checkout")
    shopper.no_horizontal_scroll()
    fill_details(page)
    page.get_by_role("button", name="Place order").tap()
    expect(page).to_have_url(PAYMENT_PAGE)
    shopper.no_horizontal_scroll()
    page = pay_on_the_payment_page(shopper, tap=True)
    expect(page.get_by_role("heading", name="Paid")).to_be_visible()
    shopper.no_horizontal_scroll()
    shopper.goto("/no-such-page", "not-found")
    shopper.no_horizontal_scroll()
