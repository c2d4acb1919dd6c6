"""The checks every browser test relies on do catch what they are meant to catch."""

from __future__ import annotations

from tests.browser.conftest import Shopper


def test_requests_elsewhere_console_errors_and_page_errors_are_caught(shopper: Shopper) -> None:
    page = shopper.page
    page.goto("about:blank")  # no content policy here: only the test's guard stands in the way
    with page.expect_event("requestfailed") as failed:
        page.set_content('<img src="http://elsewhere.invalid/pixel.png" alt="">')
    assert failed.value.url == "http://elsewhere.invalid/pixel.png"
    with page.expect_console_message():
        page.evaluate("console.error('something broke')")
    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('uncaught') })")

    found = "\n".join(shopper.problems)
    assert "request to another host: http://elsewhere.invalid/pixel.png" in found
    assert "console error on about:blank: something broke" in found
    assert "page error: uncaught" in found
    shopper.problems.clear()  # caught as they should be: this test passes


def test_an_expected_status_is_the_only_error_let_through(shopper: Shopper) -> None:
    shopper.expect_status(404)
    shopper.goto("/no-such-page", "not-found")
    assert shopper.problems == []
    shopper.goto("/products/abc", "product-not-found")
    assert shopper.problems == []
    page = shopper.page
    with page.expect_console_message():
        page.evaluate(
            "console.error('Failed to load resource: the server responded with a status of 500')"
        )
    assert len(shopper.problems) == 1
    shopper.problems.clear()
