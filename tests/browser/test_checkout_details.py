"""Checkout's customer details in Chromium: wrong details explained next to their fields with
the focus on the first, nothing reserved; with JavaScript and without, on a phone screen; the
order page shows where it ships; a returning shopper's details are filled in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ORDER_URL, PAYMENT_PAGE, PHONE, NewShopper, Shopper
from tests.browser.journeys import add_from_product_page, fill_details, pay_on_the_payment_page

LAMP = 22


def stock_shown(shopper: Shopper, product_id: int) -> str:
    page = shopper.goto(f"/products/{product_id}", "stock")
    return page.locator(".facts").inner_text()


def refused_then_placed(shopper: Shopper, page: Page) -> None:
    """Submit wrong details, see them explained, correct them and place the order."""
    fill_details(page, email="ada at example", note="n" * 2000)
    page.get_by_label("Town or city").fill("")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("alert")).to_contain_text("Some details need a change")
    email = page.get_by_label("Email")
    expect(email).to_be_focused()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        "Enter an email address like name@example.com. We send the confirmation here."
    )
    expect(page.get_by_label("Town or city")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#city-error")).to_have_text("Enter your town or city.")
    expect(page.locator("#note-error")).to_have_text(
        "Use at most 1,000 characters (this has 2,000)."
    )
    # What was typed is still there.
    expect(page.get_by_label("Full name")).to_have_value("Ada Lovelace")
    expect(page.get_by_label("Country")).to_have_value("GB")
    expect(email).to_have_value("ada at example")
    shopper.snap("details-refused")

    email.fill("ada@example.com")
    page.get_by_label("Town or city").fill("London")
    page.get_by_label("Note to the shop").fill("Leave it with the porter.")
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(PAYMENT_PAGE)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_wrong_details_are_explained_reserve_nothing_and_the_order_ships_to_the_address(
    new_shopper: NewShopper, javascript: bool
) -> None:
    shopper = new_shopper(java_script_enabled=javascript)
    shopper.expect_status(400)
    before = stock_shown(shopper, LAMP)
    add_from_product_page(shopper, LAMP, 1)
    page = shopper.goto("/checkout")
    refused_then_placed(shopper, page)
    page = pay_on_the_payment_page(shopper)
    expect(page.get_by_role("heading", name="Paid")).to_be_visible()
    ships_to = page.get_by_role("region", name="Ships to")
    expect(ships_to).to_contain_text("12 St James's Square")
    expect(ships_to).to_contain_text("SW1Y 4JH London")
    expect(ships_to).to_contain_text("United Kingdom")
    expect(ships_to).to_contain_text("ada@example.com")
    expect(ships_to).to_contain_text("Leave it with the porter.")
    assert before != stock_shown(shopper, LAMP)  # one sold, after the refused try held none


def test_nothing_is_reserved_while_the_form_is_wrong(shopper: Shopper) -> None:
    before = stock_shown(shopper, LAMP)
    add_from_product_page(shopper, LAMP, 2)
    shopper.expect_status(400)
    page = shopper.goto("/checkout")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_label("Email")).to_be_focused()
    expect(page.locator("#name-error")).to_have_text("Enter your full name.")
    expect(page.locator("#country-error")).to_have_text("Choose your country.")
    assert stock_shown(shopper, LAMP) == before


def test_on_a_phone_the_form_fits_and_a_returning_shopper_finds_it_filled_in(
    new_shopper: NewShopper,
) -> None:
    shopper = new_shopper(viewport=PHONE, is_mobile=True, has_touch=True)
    add_from_product_page(shopper, LAMP, 1)
    page = shopper.goto("/checkout")
    shopper.no_horizontal_scroll()
    fill_details(page)
    page.get_by_role("button", name="Place order").tap()
    expect(page).to_have_url(PAYMENT_PAGE)
    page.get_by_role("link", name="Cancel and return").tap()
    expect(page).to_have_url(ORDER_URL)
    expect(page.get_by_role("region", name="Ships to")).to_contain_text("Ada Lovelace")
    shopper.no_horizontal_scroll()

    add_from_product_page(shopper, LAMP, 1)
    page = shopper.goto("/checkout", "checkout-again")
    expect(page.get_by_label("Email")).to_have_value("ada@example.com")
    expect(page.get_by_label("Postal code")).to_have_value("SW1Y 4JH")
    expect(page.get_by_label("Country")).to_have_value("GB")
    shopper.no_horizontal_scroll()
