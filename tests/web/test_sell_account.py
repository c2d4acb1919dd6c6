"""The seller portal's account page: the address a seller's order emails go to."""

from __future__ import annotations

import httpx

from shopkeep.db import Database
from shopkeep.sellers import service
from tests.web.helpers import post_form, text_of
from tests.web.test_sell import field_error, sign_up


async def test_a_seller_sets_changes_and_removes_their_email_on_the_account_page(
    shop: httpx.AsyncClient, database: Database
) -> None:
    assert (await sign_up(shop)).status_code == 303
    page = (await shop.get("/sell")).text
    assert '<a href="/sell/account">Account</a>' in page
    page = (await shop.get("/sell/account")).text
    assert '<label for="email">Email for orders</label>' in page

    refused = await post_form(
        shop, "/sell/account", {"email": "alice at home"}, page="/sell/account"
    )
    assert refused.status_code == 400
    assert field_error(refused.text, "email") == "Enter an email address like name@example.com."
    assert 'value="alice at home"' in refused.text and 'aria-invalid="true"' in refused.text
    seller_id = (await database.read(service.list_sellers))[0]["id"]
    assert (await database.read(service.get_own_account, seller_id))["email"] is None

    saved = await post_form(
        shop, "/sell/account", {"email": " alice@example.com "}, page="/sell/account"
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/sell/account"
    page = (await shop.get("/sell/account")).text
    assert "Order emails now go to alice@example.com." in text_of(page)
    assert 'value="alice@example.com"' in page
    assert (await database.read(service.get_own_account, seller_id))["email"] == "alice@example.com"

    await post_form(shop, "/sell/account", {"email": ""}, page="/sell/account")
    assert (await database.read(service.get_own_account, seller_id))["email"] is None


async def test_the_account_page_needs_a_session(shop: httpx.AsyncClient) -> None:
    response = await shop.get("/sell/account")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sell/login?next=/sell/account")
