"""Browsing with a real browser: search, categories, filters, sort and pages kept in the
address, the back button, adding with a quantity, the badge, keyboard use."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Route, expect

from tests.browser.conftest import Shopper
from tests.browser.journeys import badge

HEADPHONES = "Wireless Noise-Cancelling Headphones"
EARBUDS = "True Wireless Earbuds"


def test_search_filters_and_sort_live_in_the_address_and_the_back_button_restores_them(
    shopper: Shopper,
) -> None:
    page = shopper.goto("/", "grid")
    expect(page.locator(".card")).to_have_count(12)
    search = page.get_by_role("searchbox", name="Search products")
    search.fill("wireless")
    search.press("Enter")
    expect(page).to_have_url(shopper.url("/?search=wireless"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “wireless”")
    shopper.snap("search")

    categories = page.get_by_role("navigation", name="Categories")
    categories.get_by_role("link", name="Electronics").click()
    expect(page).to_have_url(shopper.url("/?search=wireless&category=1"))
    page.get_by_label("Brand").select_option("SoundMax")
    page.get_by_role("button", name="Apply filters").click()
    # Empty fields (the price range) stay out of the address.
    filtered = shopper.url("/?search=wireless&category=1&brand=SoundMax")
    expect(page).to_have_url(filtered)
    names = page.locator(".card-name")
    expect(names).to_have_text([HEADPHONES, EARBUDS])
    shopper.snap("filtered")

    page.get_by_label("Sort by").select_option("price-asc")
    page.get_by_role("button", name="Sort", exact=True).click()
    expect(page).to_have_url(filtered + "&sort=price-asc")
    expect(names).to_have_text([EARBUDS, HEADPHONES])
    shopper.snap("sorted")

    page.go_back()
    expect(page).to_have_url(filtered)
    expect(names).to_have_text([HEADPHONES, EARBUDS])
    expect(page.get_by_label("Brand")).to_have_value("SoundMax")
    page.go_back()
    page.go_back()
    expect(page).to_have_url(shopper.url("/?search=wireless"))
    expect(search).to_have_value("wireless")

    # A shared address opens the same view.
    other = shopper.context.new_page()
    other.goto(filtered + "&sort=price-asc")
    expect(other.locator(".card-name")).to_have_text([EARBUDS, HEADPHONES])


def test_price_rating_and_stock_filters_and_pages(shopper: Shopper) -> None:
    page = shopper.goto("/")
    page.get_by_label("Min price").fill("20")
    page.get_by_label("Max price").fill("60")
    page.get_by_label("Rating").select_option("4")
    page.get_by_label("In stock only").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(shopper.url("/?min_price=20&max_price=60&min_rating=4&in_stock=1"))
    expect(page.locator(".count")).to_have_text("Showing 1\N{EN DASH}12 of 19 products")
    shopper.snap("filtered")

    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(
        shopper.url("/?min_price=20&max_price=60&min_rating=4&in_stock=1&page=2")
    )
    expect(page.locator(".count")).to_have_text("Showing 13\N{EN DASH}19 of 19 products")
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    expect(page.get_by_label("In stock only")).to_be_checked()
    shopper.snap("page-2")
    page.get_by_role("link", name="Page 1", exact=True).click()
    expect(page.locator(".count")).to_have_text("Showing 1\N{EN DASH}12 of 19 products")
    page.go_back()
    expect(page.locator(".count")).to_have_text("Showing 13\N{EN DASH}19 of 19 products")


def test_a_mistyped_price_is_explained_next_to_its_field(shopper: Shopper) -> None:
    page = shopper.goto("/")
    page.get_by_label("Min price").fill("ten")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#min_price-error")).to_have_text("Enter a price like 20 or 19.99.")
    expect(page.get_by_label("Min price")).to_have_value("ten")
    expect(page.get_by_label("Min price")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".card")).to_have_count(12)
    shopper.snap("price-error")


def test_adding_with_a_quantity_updates_the_badge_without_a_reload(shopper: Shopper) -> None:
    page = shopper.goto("/products/3")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(badge(page)).to_have_text("3")
    expect(page.get_by_role("status")).to_have_text(
        "Added Mechanical Keyboard (quantity 3) to your cart."
    )
    assert page.evaluate("window.notReloaded") is True
    expect(page).to_have_url(shopper.url("/products/3"))
    shopper.snap("added")

    page = shopper.goto("/")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Add to cart: USB-C Charging Hub").click()
    expect(badge(page)).to_have_text("4")
    expect(page.get_by_role("status")).to_have_text("Added USB-C Charging Hub to your cart.")
    assert page.evaluate("window.notReloaded") is True
    shopper.snap("added-from-grid")

    page = shopper.goto("/cart")
    expect(page.locator("#line-3")).to_have_attribute("data-quantity", "3")
    expect(page.locator("#line-4")).to_have_attribute("data-quantity", "1")


def test_too_many_shows_the_stock_next_to_the_quantity_and_adds_nothing(
    shopper: Shopper,
) -> None:
    shopper.expect_status(400)
    page = shopper.goto("/products/6")
    quantity = page.get_by_label("Quantity")
    quantity.fill("9")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.locator("#quantity-error")).to_have_text("Only 4 left in stock.")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("status")).to_have_text("Only 4 left in stock.")
    expect(badge(page)).to_have_text("0")
    shopper.snap("stock-error")
    quantity.fill("4")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(badge(page)).to_have_text("4")
    expect(page.locator("#quantity-error")).to_have_text("")
    expect(quantity).not_to_have_attribute("aria-invalid", "true")


def test_a_button_in_progress_shows_it_and_cannot_send_twice(shopper: Shopper) -> None:
    page = shopper.goto("/products/5")
    form = page.locator("form.buy")
    button = form.get_by_role("button")
    seen: dict[str, Any] = {"sent": 0}

    def while_sending(route: Route) -> None:
        seen["sent"] += 1
        if seen["sent"] == 1:
            # The first add is on its way: the form shows it, and a second send is refused.
            seen["busy"] = form.get_attribute("aria-busy")
            seen["label"] = button.inner_text()
            seen["disabled"] = button.is_disabled()
            form.evaluate("form => form.requestSubmit()")
        route.continue_()

    page.route("**/cart/items", while_sending)
    button.click()
    expect(badge(page)).to_have_text("1")
    expect(button).to_be_enabled()
    expect(button).to_have_text("Add to cart")
    assert seen == {"sent": 1, "busy": "true", "label": "Adding…", "disabled": True}
    page = shopper.goto("/cart")
    expect(page.locator("#line-5")).to_have_attribute("data-quantity", "1")


def test_a_keyboard_alone_can_add_to_the_cart(shopper: Shopper) -> None:
    page = shopper.goto("/products/5")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    quantity = page.get_by_label("Quantity")
    for _ in range(20):  # through the links before the form, in reading order
        page.keyboard.press("Tab")
        if quantity.evaluate("input => input === document.activeElement"):
            break
    expect(quantity).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(quantity).to_have_value("2")
    page.keyboard.press("Tab")
    add = page.get_by_role("button", name="Add to cart", exact=True)
    expect(add).to_be_focused()
    assert add.evaluate("b => getComputedStyle(b).outlineStyle") != "none"  # focus is visible
    shopper.snap("focused")
    page.keyboard.press("Enter")
    expect(badge(page)).to_have_text("2")
    expect(page.get_by_role("status")).to_have_text(
        "Added Wireless Ergonomic Mouse (quantity 2) to your cart."
    )


def test_every_image_has_a_text_alternative_and_every_field_a_label(shopper: Shopper) -> None:
    for path in ("/", "/products/3"):
        page = shopper.goto(path)
        assert page.locator("img:not([alt])").count() == 0
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select')]
                .filter(field => field.labels.length === 0).map(field => field.name)"""
        )
        assert unlabelled == [], path
    expect(page.get_by_role("img", name="Mechanical Keyboard")).to_be_visible()
