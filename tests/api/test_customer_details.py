"""Checkout's optional body: who the order ships to (SPEC §11), validated before anything is
reserved; and sellers' email addresses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import PASSWORD, cart_with, signed_up, stock_of
from tests.mail.helpers import DETAILS, KEYBOARD


def details(**changes: Any) -> dict[str, Any]:
    body = {**DETAILS, "shipping_address": dict(DETAILS["shipping_address"])}
    for name, value in changes.items():
        if name in body["shipping_address"] or name in ("line1", "line2", "city", "postal_code"):
            body["shipping_address"][name] = value
        else:
            body[name] = value
    return body


def without(name: str) -> dict[str, Any]:
    body = details()
    if name in body:
        del body[name]
    else:
        del body["shipping_address"][name]
    return body


async def test_checkout_keeps_the_details_as_a_snapshot_on_the_order(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await cart_with(client, (KEYBOARD, 2))
    body = details(email="Ada@Example.COM", name="  Ada Lovelace ", country="gb")
    response = await client.post(f"/cart/{cart_id}/checkout", json=body)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"order_id", "total", "message"}
    order = (await client.get(f"/orders/{response.json()['order_id']}")).json()
    assert order["email"] == "Ada@example.com"
    assert order["name"] == "Ada Lovelace"
    assert order["shipping_address"] == {**DETAILS["shipping_address"], "country": "GB"}
    assert order["note"] == "Please leave it with the porter."
    assert order["total"] == 179.98 and order["status"] == "pending_payment"


async def test_optional_fields_may_be_left_out_or_null(client: httpx.AsyncClient) -> None:
    cart_id = await cart_with(client, (KEYBOARD, 1))
    body = without("note")
    body["shipping_address"] = {**body["shipping_address"], "line2": None}
    del body["shipping_address"]["phone"]
    response = await client.post(f"/cart/{cart_id}/checkout", json=body)
    assert response.status_code == 200, response.text
    order = (await client.get(f"/orders/{response.json()['order_id']}")).json()
    assert order["note"] == ""
    assert order["shipping_address"]["line2"] == "" and order["shipping_address"]["phone"] == ""


async def test_without_a_body_checkout_is_seed_001s_and_the_order_has_no_details(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await cart_with(client, (KEYBOARD, 1))
    response = await client.post(f"/cart/{cart_id}/checkout")
    assert response.status_code == 200
    order = (await client.get(f"/orders/{response.json()['order_id']}")).json()
    assert {k: order[k] for k in ("email", "name", "shipping_address", "note")} == dict.fromkeys(
        ("email", "name", "shipping_address", "note")
    )


LONG = "x" * 10_000
BAD_BODIES = {
    "email missing": without("email"),
    "email not an address": details(email="ada at example"),
    "email with a line break": details(email="ada@example.com\r\nBcc: eve@example.com"),
    "email too long": details(email="a" * 250 + "@example.com"),
    "name empty": details(name="   "),
    "name too long": details(name="n" * 201),
    "name with a line break": details(name="Ada\nBcc: eve@example.com"),
    "name 10 KB": details(name=LONG),
    "name a number": details(name=5),
    "address missing": without("shipping_address"),
    "address a string": details(shipping_address="12 St James's Square, London"),
    "line1 missing": without("line1"),
    "line2 too long": details(line2="l" * 201),
    "city missing": without("city"),
    "city too long": details(city="c" * 101),
    "city with a tab": details(city="Lon\tdon"),
    "postal code empty": details(postal_code=""),
    "postal code too long": details(postal_code="1" * 21),
    "country unknown": details(country="XX"),
    "country alpha-3": details(country="GBR"),
    "country a number": details(country=44),
    "phone with letters": details(phone="call me"),
    "phone too long": details(phone="1" * 41),
    "note too long": details(note="n" * 1001),
    "note with NUL": details(note="hello\x00"),
    "unknown field": details(gift_wrap=True),
    "unknown address field": details(state="Greater London"),
    "shipping method too long": details(shipping_method="e" * 41),
    "discount code not a string": details(discount_code=10),
    "a list": [DETAILS],
}


@pytest.mark.parametrize("case", BAD_BODIES)
async def test_bad_details_are_refused_with_a_sentence_and_nothing_is_reserved(
    client: httpx.AsyncClient, case: str
) -> None:
    cart_id = await cart_with(client, (KEYBOARD, 2))
    before = await stock_of(client, KEYBOARD)
    response = await client.post(f"/cart/{cart_id}/checkout", json=BAD_BODIES[case])
    assert response.status_code == 422, response.text
    problems = response.json()["detail"]
    assert problems and all(isinstance(p["msg"], str) and p["msg"] for p in problems)
    assert await stock_of(client, KEYBOARD) == before
    # The cart is as it was: a valid checkout now reserves its lines.
    response = await client.post(f"/cart/{cart_id}/checkout", json=details())
    assert response.status_code == 200
    assert await stock_of(client, KEYBOARD) == before - 2


async def test_malformed_json_is_a_422_and_reserves_nothing(client: httpx.AsyncClient) -> None:
    cart_id = await cart_with(client, (KEYBOARD, 1))
    before = await stock_of(client, KEYBOARD)
    response = await client.post(
        f"/cart/{cart_id}/checkout",
        content=b'{"email": "ada@example.com",',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert await stock_of(client, KEYBOARD) == before


async def test_a_seller_gives_changes_and_removes_their_email_address(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/sellers", json={"username": "alice", "password": PASSWORD, "email": "alice@example.com"}
    )
    assert response.status_code == 201, response.text
    seller_id = response.json()["seller"]["id"]
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    me = await client.get("/sellers/me", headers=headers)
    assert me.json()["email"] == "alice@example.com"
    # Others never see it.
    assert "email" not in (await client.get(f"/sellers/{seller_id}")).json()
    assert all("email" not in s for s in (await client.get("/sellers")).json())

    changed = await client.patch(
        "/sellers/me", json={"email": "shop@alice.example"}, headers=headers
    )
    assert changed.status_code == 200 and changed.json()["email"] == "shop@alice.example"
    for bad in ({"email": "not an address"}, {"email": 3}, {"username": "bob"}):
        refused = await client.patch("/sellers/me", json=bad, headers=headers)
        assert refused.status_code == 422, bad
    assert (await client.get("/sellers/me", headers=headers)).json()["email"] == (
        "shop@alice.example"
    )
    removed = await client.patch("/sellers/me", json={"email": None}, headers=headers)
    assert removed.json()["email"] is None
    assert (await client.patch("/sellers/me", json={"email": "x"})).status_code == 401


async def test_sign_up_refuses_an_email_that_is_not_an_address(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/sellers", json={"username": "alice", "password": PASSWORD, "email": "alice@"}
    )
    assert response.status_code == 422
    _, headers = await signed_up(client, "alice")
    assert (await client.get("/sellers/me", headers=headers)).json()["email"] is None
