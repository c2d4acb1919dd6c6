"""Who may use the back office's API: only a genuine, unexpired staff token; a staff token opens
nothing else. Each refusal is a 401 that says what to send, and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest

from shopkeep.accounts import tokens
from shopkeep.carts.tokens import InvalidCartToken, cart_id_from_token
from shopkeep.config import Settings
from shopkeep.db import Database, utcnow
from shopkeep.sellers.tokens import seller_id_from_token
from shopkeep.staff.tokens import AUDIENCE, issue_staff_token
from tests.admin.helpers import staff_member, staff_token
from tests.compat.helpers import shopping_cart
from tests.helpers import checked_out, new_product, signed_up

ADMIN_GETS = (
    "/admin/dashboard",
    "/admin/orders",
    "/admin/orders.csv",
    "/admin/orders/{order}",
    "/admin/products",
    "/admin/products/3/movements",
    "/admin/mail",
)


@pytest.fixture
async def order_id(client: httpx.AsyncClient) -> str:
    order: dict[str, Any] = await checked_out(client, (3, 1))
    return str(order["order_id"])


async def assert_refused_everywhere(
    client: httpx.AsyncClient, order_id: str, headers: dict[str, str]
) -> None:
    for path in ADMIN_GETS:
        response = await client.get(path.format(order=order_id), headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        detail = response.json()["detail"]
        assert "send 'Authorization: Bearer <token>'" in detail, detail
        assert "POST /admin/auth/token" in detail, detail


async def test_without_a_token_the_back_office_says_what_to_send(
    client: httpx.AsyncClient, order_id: str
) -> None:
    await assert_refused_everywhere(client, order_id, {})
    response = await client.get("/admin/orders")
    assert response.json() == {
        "detail": "Not authenticated: send 'Authorization: Bearer <token>' with a staff access "
        "token from POST /admin/auth/token"
    }


async def test_a_sellers_token_does_not_open_the_back_office(
    client: httpx.AsyncClient, order_id: str
) -> None:
    _, seller = await signed_up(client, "sam")
    await assert_refused_everywhere(client, order_id, seller)


async def test_a_cart_token_does_not_open_the_back_office(
    client: httpx.AsyncClient, order_id: str
) -> None:
    _, cart = await shopping_cart(client)
    await assert_refused_everywhere(client, order_id, cart)


async def test_forged_expired_or_orphaned_staff_tokens_are_refused(
    client: httpx.AsyncClient, database: Database, settings: Settings, order_id: str
) -> None:
    staff = await staff_member(database)
    secret = settings.resolved_secret_key
    expired = issue_staff_token(secret, staff["id"], minutes=60, now=utcnow() - timedelta(hours=2))
    now = utcnow()
    claims = {"sub": str(staff["id"]), "iat": now, "exp": now + timedelta(minutes=5)}
    for token in (
        expired,
        issue_staff_token("another secret " * 3, staff["id"], minutes=60),
        issue_staff_token(secret, staff["id"] + 1, minutes=60),  # no such staff member
        jwt.encode({**claims, "aud": "shopkeep:cart"}, secret, algorithm="HS256"),
        jwt.encode(claims, secret, algorithm="HS256"),  # no audience: a seller's shape
        jwt.encode({**claims, "aud": AUDIENCE}, secret, algorithm="HS512"),
        "not.a.token",
    ):
        await assert_refused_everywhere(client, order_id, {"Authorization": f"Bearer {token}"})
    response = await client.get("/admin/orders", headers={"Authorization": f"Bearer {expired}"})
    assert response.json()["detail"].startswith("Access token has expired: log in again")


async def test_a_staff_token_is_not_a_sellers_token_and_changes_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    _, seller = await signed_up(client, "sam")
    lamp = await new_product(client, seller)
    await staff_member(database, "sam")  # the same name as the seller, even
    staff = await staff_token(client, "sam")

    attempts = (
        client.get("/sellers/me", headers=staff),
        client.post("/products", json={"name": "Rug", "category_id": 1, "price": 5}, headers=staff),
        client.patch(f"/products/{lamp['id']}", json={"price": 1}, headers=staff),
        client.delete(f"/products/{lamp['id']}", headers=staff),
        client.put(f"/api/products/{lamp['id']}", json={"price": 1}, headers=staff),
        client.post("/api/products", json={"title": "Rug", "price": 5}, headers=staff),
    )
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
    after = (await client.get(f"/products/{lamp['id']}")).json()
    assert (after["price"], after["name"]) == (lamp["price"], lamp["name"])
    assert (await client.get("/products?search=rug")).json()["total"] == 0


async def test_a_staff_token_does_not_open_a_shopping_cart(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart_id, _ = await shopping_cart(client)
    await staff_member(database)
    response = await client.get(f"/api/shopping_cart/{cart_id}", headers=await staff_token(client))
    assert response.status_code == 401


def test_the_three_kinds_of_token_never_pass_for_one_another() -> None:
    secret = "k" * 40
    staff = issue_staff_token(secret, 7, minutes=5)
    with pytest.raises(tokens.InvalidToken):
        seller_id_from_token(secret, staff)
    with pytest.raises(InvalidCartToken):
        cart_id_from_token(secret, staff)
    seller = tokens.issue_token(secret, 7, audience=None, minutes=5)
    with pytest.raises(tokens.InvalidToken):
        tokens.account_id_from_token(secret, seller, audience=AUDIENCE)
    assert tokens.account_id_from_token(secret, staff, audience=AUDIENCE) == 7
