"""With JavaScript off, every shopper action still works through plain forms."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import NewShopper
from tests.browser.journeys import badge, fill_details, line, pay_on_the_payment_page

ORBIT, BIRDS, DATA_SYSTEMS = 31, 33, 36  # books; the last has one copy left


def test_browse_add_change_remove_and_check_out_without_javascript(
    new_shopper: NewShopper,
) -> None:
    shopper = new_shopper(java_script_enabled=False)
    shopper.expect_status(400)
    page = shopper.goto("/?category=4", "books")
    page.get_by_label("Sort by").select_option("price-asc")
    page.get_by_role("button", name="Sort", exact=True).click()
    expect(page.locator(".card-name").first).to_have_text("Midnight at the Salt Flats")
    shopper.snap("sorted")

    page.get_by_role("button", name="Add to cart: The Quiet Orbit").click()
    expect(page.get_by_role("status")).to_have_text("Added The Quiet Orbit to your cart.")
    expect(page.locator(".card-name").first).to_have_text("Midnight at the Salt Flats")
    assert "sort=price-asc" in page.url  # back where the shopper was
    expect(badge(page)).to_have_text("1")
    shopper.snap("added-from-grid")

    page = shopper.goto(f"/products/{DATA_SYSTEMS}")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.locator("#quantity-error")).to_have_text("Only 1 left in stock.")
    expect(page.get_by_label("Quantity")).to_have_value("2")
    shopper.snap("stock-error")
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page).to_have_url(shopper.url(f"/products/{DATA_SYSTEMS}"))
    expect(badge(page)).to_have_text("2")

    page = shopper.goto(f"/products/{BIRDS}")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page).to_have_url(shopper.url(f"/products/{BIRDS}"))
    expect(page.get_by_role("status")).to_have_text(
        "Added A Field Guide to Backyard Birds (quantity 2) to your cart."
    )
    expect(badge(page)).to_have_text("4")

    page = shopper.goto("/cart")
    line(page, BIRDS).get_by_label("Quantity of A Field Guide to Backyard Birds").fill("3")
    line(page, BIRDS).get_by_role("button", name="Update").click()
    expect(line(page, BIRDS)).to_have_attribute("data-quantity", "3")
    line(page, ORBIT).get_by_role("button", name="Remove").click()
    expect(line(page, ORBIT)).to_have_count(0)
    expect(page.locator("[data-cart-total]")).to_have_text("$114.96")
    shopper.snap("cart")

    page.get_by_role("link", name="Go to checkout").click()
    fill_details(page)
    page.get_by_role("button", name="Place order").click()
    page = pay_on_the_payment_page(shopper)
    expect(page.get_by_role("heading", name="Paid")).to_be_visible()
