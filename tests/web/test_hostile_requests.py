"""Requests an attacker would send, each of which once cost a 500, a stall or a huge page: a
signature timestamp in superscript digits, a form token outside ASCII, prices written with
enormous exponents, a hosted payment form with too many fields. Each now gets its 4xx (or a
normal page that explains the field), quickly and in a few kilobytes."""

from __future__ import annotations

import re

import httpx
import pytest

from shopkeep.web import csrf
from tests.helpers import checked_out
from tests.inprocess import SANDBOX, STORE, Apps, client
from tests.web.helpers import cart_lines, form_token

KEYBOARD = 3
# A grid page is a few dozen kilobytes; anything echoed from the URL must not make it grow.
PAGE_LIMIT = 200_000


@pytest.fixture
async def store(apps: Apps) -> httpx.AsyncClient:
    async with client(apps.store, STORE) as store:
        yield store


@pytest.mark.parametrize("timestamp", [b"\xb2", b"\xb9\xb3", b"1\xb2", b"\xef\xbc\x91"])
async def test_a_signature_timestamp_in_non_ascii_digits_is_a_401(
    store: httpx.AsyncClient, timestamp: bytes
) -> None:
    response = await store.post(
        "/payments/confirm",
        content=b"{}",
        headers={"Shopkeep-Signature": b"t=" + timestamp + b",v1=" + b"0" * 64},
    )
    assert response.status_code == 401
    assert "Shopkeep-Signature" in response.json()["detail"]


@pytest.mark.parametrize("submitted", ["é", "\u0660" * 64, "0" * 63 + "\ufeff", "\x00"])
async def test_a_form_token_outside_ascii_is_refused_with_the_403_page(
    shop: httpx.AsyncClient, submitted: str
) -> None:
    await form_token(shop)  # sets this browser's cookie
    response = await shop.post(
        "/cart/items", data={"csrf_token": submitted, "product_id": "3", "quantity": "1"}
    )
    assert response.status_code == 403
    assert "did not come from this shop" in response.text


async def test_a_cookie_outside_ascii_is_refused_with_the_403_page(
    shop: httpx.AsyncClient,
) -> None:
    token = await form_token(shop)
    shop.cookies.clear()
    response = await shop.post(
        "/cart/items",
        data={"csrf_token": token, "product_id": "3"},
        headers={"cookie": csrf.COOKIE.encode() + b"=" + "é".encode() * 32},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("field", ["min_price", "max_price", "min_rating"])
@pytest.mark.parametrize(
    "value", ["1E-9999999999999999", "1E-5000000", "1e+999999999", "9" * 19 + "E-9999"]
)
async def test_numbers_with_huge_exponents_are_explained_on_a_small_page(
    shop: httpx.AsyncClient, field: str, value: str
) -> None:
    response = await shop.get("/", params={field: value})
    assert response.status_code == 200
    assert len(response.content) < PAGE_LIMIT
    assert f"{field}=" not in response.text  # left out of every link
    error = re.search(rf'id="{field}-error">([^<]*)<', response.text)
    assert error and error.group(1).strip(), "the field's error says what to type"


@pytest.mark.parametrize("field", ["min_price", "max_price", "min_rating"])
async def test_zero_with_a_huge_exponent_is_plain_zero(shop: httpx.AsyncClient, field: str) -> None:
    response = await shop.get("/", params={field: "0E-99999"})
    assert response.status_code == 200
    assert len(response.content) < PAGE_LIMIT
    assert f"{field}=0&" in response.text or f'{field}=0"' in response.text


async def test_a_sensible_price_filter_still_rounds_to_cents(shop: httpx.AsyncClient) -> None:
    response = await shop.get("/", params={"min_price": "89.985", "max_price": "89.99"})
    assert response.status_code == 200
    assert "Mechanical Keyboard" in response.text
    assert "min_price=89.985" in response.text  # the state kept in the links, as typed


async def test_a_hosted_payment_form_with_too_many_fields_is_a_400_page(
    apps: Apps, store: httpx.AsyncClient
) -> None:
    order = await checked_out(store, (KEYBOARD, 1))
    started = await store.post(
        f"/orders/{order['order_id']}/payment", json={"return_url": "http://shop.test/back"}
    )
    path = httpx.URL(started.json()["checkout_url"]).path
    fields = {"card_number": "4242424242424242", "expiry": "12/40", "cvc": "123"}
    fields.update({f"extra{n}": "x" for n in range(30)})
    async with client(apps.sandbox, SANDBOX) as sandbox:
        response = await sandbox.post(path, data=fields)
        assert response.status_code == 400
        assert "too many fields" in response.text
        status = (await sandbox.get(f"/payments/{started.json()['payment_id']}")).json()
    assert status["status"] == "requires_payment_method"


async def test_a_storefront_form_with_thousands_of_fields_is_refused_unread(
    shop: httpx.AsyncClient,
) -> None:
    token = await form_token(shop)
    body = f"csrf_token={token}&product_id=3&quantity=1&" + "a=&" * 300_000
    response = await shop.post(
        "/cart/items",
        content=body.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert "more than 100 fields" in response.text
    assert await cart_lines(shop) == {}
