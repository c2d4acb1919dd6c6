"""The hosted flow: the store creates the payment, the shopper pays on the sandbox's page and
is sent back with the result; form errors are shown on the page and charge nothing."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.payments.client import PaymentsClient
from shopkeep.store.app import create_app as create_store
from tests.helpers import checked_out, stock_of
from tests.postgres import free_port
from tests.sandbox.conftest import STORE, InProcessShop

KEYBOARD = 3
RETURN_URL = "http://shop.test/orders/back?from=sandbox"
GOOD_CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123"}


async def hosted_payment(shop: InProcessShop, *lines: tuple[int, int]) -> dict[str, Any]:
    order = await checked_out(shop.store, *lines)
    response = await shop.store.post(
        f"/orders/{order['order_id']}/payment", json={"return_url": RETURN_URL}
    )
    assert response.status_code == 201, response.text
    return {**order, **response.json()}


async def submit(shop: InProcessShop, checkout_url: str, **fields: str) -> httpx.Response:
    return await shop.sandbox.post(urlsplit(checkout_url).path, data=fields)


async def payment_status(shop: InProcessShop, payment_id: str) -> str:
    status: str = (await shop.sandbox.get(f"/payments/{payment_id}")).json()["status"]
    return status


async def test_the_store_creates_a_payment_that_waits_on_the_hosted_page(
    shop: InProcessShop,
) -> None:
    payment = await hosted_payment(shop, (KEYBOARD, 2))
    assert payment["amount"] == 179.98
    assert payment["checkout_url"] == f"http://sandbox.test/pay/{payment['payment_id']}"
    assert await payment_status(shop, payment["payment_id"]) == "requires_payment_method"

    page = await shop.sandbox.get(urlsplit(payment["checkout_url"]).path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "$179.98" in page.text and "Test Shop" in page.text
    for label in ('for="card_number"', 'for="expiry"', 'for="cvc"'):
        assert label in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert "form-action 'self' http://shop.test" in policy
    assert "frame-ancestors 'none'" in policy


async def test_paying_on_the_page_tells_the_store_then_returns_the_shopper(
    shop: InProcessShop,
) -> None:
    payment = await hosted_payment(shop, (KEYBOARD, 2))
    response = await submit(shop, payment["checkout_url"], **GOOD_CARD)

    assert response.status_code == 303
    back = urlsplit(response.headers["location"])
    assert (back.scheme, back.netloc, back.path) == ("http", "shop.test", "/orders/back")
    assert parse_qs(back.query) == {
        "from": ["sandbox"],
        "payment_id": [payment["payment_id"]],
        "order_id": [payment["order_id"]],
        "status": ["succeeded"],
    }
    # The store heard before the shopper came back.
    order = (await shop.store.get(f"/orders/{payment['order_id']}")).json()
    assert order["status"] == "paid" and order["payment_id"] == payment["payment_id"]


async def test_a_declined_card_on_the_page_fails_the_order_and_releases_the_stock(
    shop: InProcessShop,
) -> None:
    payment = await hosted_payment(shop, (KEYBOARD, 4))
    response = await submit(
        shop, payment["checkout_url"], **{**GOOD_CARD, "card_number": "4000000000000002"}
    )
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["status"] == ["failed"]
    order = (await shop.store.get(f"/orders/{payment['order_id']}")).json()
    assert order["status"] == "payment_failed"
    assert await stock_of(shop.store, KEYBOARD) == 75


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"card_number": "4242 4242 4242 4241"}, "card_number", "not valid: check the digits"),
        ({"card_number": "4242"}, "card_number", "12 to 19 digits"),
        ({"card_number": ""}, "card_number", "Enter the card number."),
        ({"expiry": "01/20"}, "expiry", "This card has expired."),
        ({"expiry": "2040-12"}, "expiry", "Enter the expiry date as MM/YY."),
        ({"expiry": "13/40"}, "expiry", "between 01 and 12"),
        ({"cvc": "12"}, "cvc", "Enter the 3 or 4 digit security code."),
    ],
)
async def test_bad_card_details_are_form_errors_next_to_the_field_and_charge_nothing(
    shop: InProcessShop, fields: dict[str, str], field: str, message: str
) -> None:
    payment = await hosted_payment(shop, (KEYBOARD, 1))
    response = await submit(shop, payment["checkout_url"], **{**GOOD_CARD, **fields})

    assert response.status_code == 400
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    assert f'aria-describedby="{field}-hint {field}-error"' in response.text
    assert 'role="alert"' in response.text
    assert await payment_status(shop, payment["payment_id"]) == "requires_payment_method"
    order = (await shop.store.get(f"/orders/{payment['order_id']}")).json()
    assert order["status"] == "pending_payment"


async def test_the_security_code_is_never_sent_back_in_the_page(shop: InProcessShop) -> None:
    payment = await hosted_payment(shop, (KEYBOARD, 1))
    response = await submit(
        shop, payment["checkout_url"], **{**GOOD_CARD, "expiry": "01/20", "cvc": "987"}
    )
    assert response.status_code == 400
    # Ids are random hex, which may hold any three digits.
    assert "987" not in re.sub(r"[0-9a-f]{32}", "", response.text)
    assert 'value="4242 4242 4242 4242"' in response.text


async def test_typed_markup_is_shown_as_text(shop: InProcessShop) -> None:
    payment = await hosted_payment(shop, (KEYBOARD, 1))
    response = await submit(
        shop, payment["checkout_url"], **{**GOOD_CARD, "expiry": '"><script>x</script>'}
    )
    assert response.status_code == 400
    assert "<script>x" not in response.text
    assert "&lt;script&gt;x" in response.text


async def test_submitting_twice_charges_once(shop: InProcessShop) -> None:
    payment = await hosted_payment(shop, (KEYBOARD, 1))
    first = await submit(shop, payment["checkout_url"], **GOOD_CARD)
    again = await submit(
        shop, payment["checkout_url"], **{**GOOD_CARD, "card_number": "4000000000000002"}
    )
    assert first.headers["location"] == again.headers["location"]
    shown = (await shop.sandbox.get(f"/payments/{payment['payment_id']}")).json()
    assert shown["status"] == "succeeded"
    assert len(shown["callback"]["deliveries"]) == 1
    assert await stock_of(shop.store, KEYBOARD) == 74


async def test_a_processed_payment_page_shows_the_result(shop: InProcessShop) -> None:
    payment = await hosted_payment(shop, (KEYBOARD, 1))
    await submit(shop, payment["checkout_url"], **GOOD_CARD)
    page = await shop.sandbox.get(urlsplit(payment["checkout_url"]).path)
    assert page.status_code == 200
    assert "Payment succeeded" in page.text and "ending in 4242" in page.text
    assert "<form" not in page.text


async def test_an_unknown_payment_link_is_a_404_page(shop: InProcessShop) -> None:
    for path in ("/pay/pay_" + "0" * 32, "/pay/nonsense"):
        page = await shop.sandbox.get(path)
        assert page.status_code == 404
        assert "Payment link not found" in page.text
        submitted = await shop.sandbox.post(path, data=GOOD_CARD)
        assert submitted.status_code == 404


async def test_the_store_refuses_to_start_a_payment_for_an_order_not_awaiting_one(
    shop: InProcessShop,
) -> None:
    payment = await hosted_payment(shop, (KEYBOARD, 1))
    await submit(shop, payment["checkout_url"], **GOOD_CARD)
    again = await shop.store.post(
        f"/orders/{payment['order_id']}/payment", json={"return_url": RETURN_URL}
    )
    assert again.status_code == 400
    assert again.json() == {"detail": "Order already processed (status: paid)"}

    unknown = await shop.store.post(
        "/orders/" + "0" * 32 + "/payment", json={"return_url": RETURN_URL}
    )
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Order not found"}


@pytest.mark.parametrize("return_url", ["ftp://x.test/", "not a url", "", None])
async def test_a_bad_return_url_is_422(shop: InProcessShop, return_url: str | None) -> None:
    order = await checked_out(shop.store, (KEYBOARD, 1))
    response = await shop.store.post(
        f"/orders/{order['order_id']}/payment", json={"return_url": return_url}
    )
    assert response.status_code == 422


async def test_an_unreachable_payment_provider_is_a_503_and_the_order_stays_pending(
    database: Database, sandbox_settings: Settings
) -> None:
    nowhere = PaymentsClient(f"http://127.0.0.1:{free_port()}")
    app = create_store(sandbox_settings, database, payments=nowhere)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=STORE) as store:
        order = await checked_out(store, (KEYBOARD, 1))
        response = await store.post(
            f"/orders/{order['order_id']}/payment", json={"return_url": RETURN_URL}
        )
        assert response.status_code == 503
        assert "payment provider cannot be reached" in response.json()["detail"]
        status = (await store.get(f"/orders/{order['order_id']}")).json()["status"]
        assert status == "pending_payment"
    await nowhere.aclose()
