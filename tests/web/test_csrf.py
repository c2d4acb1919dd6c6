"""Every form that changes something carries a token tied to the browser's cookie."""

from __future__ import annotations

import httpx
import pytest

from shopkeep.web import csrf
from tests.web.helpers import add, cart_lines, form_token, post_form

KEYBOARD = 3
REFUSAL = "did not come from this shop. Nothing was changed"


async def refused(response: httpx.Response) -> None:
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert REFUSAL in response.text


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("/cart/items", {"product_id": "3", "quantity": "1"}),
        (f"/cart/items/{KEYBOARD}", {"quantity": "5"}),
        (f"/cart/items/{KEYBOARD}/remove", {}),
        ("/checkout", {}),
    ],
)
async def test_a_form_without_a_token_is_refused_and_changes_nothing(
    shop: httpx.AsyncClient, action: str, fields: dict[str, str]
) -> None:
    await add(shop, KEYBOARD, 2)
    await refused(await shop.post(action, data=fields))
    await refused(await shop.post(action, data={**fields, "csrf_token": ""}))
    assert await cart_lines(shop) == {KEYBOARD: 2}
    assert "Your order" not in (await shop.get("/checkout")).text


async def test_a_wrong_token_is_refused(shop: httpx.AsyncClient) -> None:
    token = await form_token(shop)
    await refused(
        await add(shop, KEYBOARD, 1, token=token[:-1] + ("0" if token[-1] != "0" else "1"))
    )
    await refused(await add(shop, KEYBOARD, 1, token="0" * 64))
    assert await cart_lines(shop) == {}


async def test_a_token_from_another_browser_is_refused(shop: httpx.AsyncClient) -> None:
    token = await form_token(shop)
    shop.cookies.set(csrf.COOKIE, "ab" * 32, domain="shop.test")  # a different browser's cookie
    await refused(await add(shop, KEYBOARD, 1, token=token))
    shop.cookies.delete(csrf.COOKIE)
    await refused(await add(shop, KEYBOARD, 1, token=token))  # no cookie at all
    assert await cart_lines(shop) == {}


async def test_the_token_cookie_is_set_once_and_kept(shop: httpx.AsyncClient) -> None:
    first = await shop.get("/")
    cookie = first.headers["set-cookie"].lower()
    assert cookie.startswith(f"{csrf.COOKIE}=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    second = await shop.get("/cart")
    assert csrf.COOKIE not in second.headers.get("set-cookie", "")
    assert await form_token(shop) == await form_token(shop, "/products/3")


async def test_the_script_gets_its_refusal_as_json(shop: httpx.AsyncClient) -> None:
    response = await shop.post(
        "/cart/items", data={"product_id": "3"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 403
    assert REFUSAL in response.json()["detail"]


async def test_a_form_in_another_encoding_is_refused(shop: httpx.AsyncClient) -> None:
    token = await form_token(shop)
    response = await shop.post(
        "/cart/items", json={"csrf_token": token, "product_id": 3, "quantity": 1}
    )
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.text
    assert await cart_lines(shop) == {}


async def test_a_post_with_a_valid_token_is_accepted(shop: httpx.AsyncClient) -> None:
    response = await post_form(shop, "/cart/items", {"product_id": "3", "quantity": "1"})
    assert response.status_code == 303
