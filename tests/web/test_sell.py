"""The seller portal through its forms: accounts, sessions, products, and what it refuses."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from shopkeep.db import utcnow
from shopkeep.sellers import service
from shopkeep.web import sessions
from tests.inprocess import WEB, Apps, client
from tests.web.helpers import card_ids, form_token, post_form, text_of

KEYBOARD = 3  # the demo catalog's: no seller's
HOME_AND_KITCHEN, BOOKS = 3, 4
PASSWORD = "correct horse battery"
REFUSAL = "did not come from this shop. Nothing was changed"
LAMP = {
    "name": "Walnut Desk Lamp",
    "brand": "Grainlight",
    "category_id": str(HOME_AND_KITCHEN),
    "price": "49.50",
    "stock": "7",
    "description": "A warm lamp turned from one piece of walnut.",
}
ROW_ID = re.compile(r'<tr id="product-(\d+)">')


@pytest.fixture
async def rival(apps: Apps) -> AsyncIterator[httpx.AsyncClient]:
    """Another seller's browser."""
    async with client(apps.web, WEB) as browser:
        yield browser


def session_cookie(response: httpx.Response) -> str:
    return next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith(f"{sessions.COOKIE}=")
    )


def field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', page)
    assert match, f"no error slot for {name}"
    return text_of(match.group(1))


async def sign_up(
    browser: httpx.AsyncClient, username: str = "alice", password: str = PASSWORD
) -> httpx.Response:
    return await post_form(
        browser,
        "/sell/signup",
        {"username": username, "password": password, "password_again": password},
        page="/sell/signup",
    )


async def log_in(
    browser: httpx.AsyncClient, username: str = "alice", password: str = PASSWORD, **extra: str
) -> httpx.Response:
    return await post_form(
        browser,
        "/sell/login",
        {"username": username, "password": password, **extra},
        page="/sell/login",
    )


async def create(browser: httpx.AsyncClient, **changes: str) -> httpx.Response:
    return await post_form(
        browser, "/sell/products/new", {**LAMP, **changes}, page="/sell/products/new"
    )


async def create_product(browser: httpx.AsyncClient, **changes: str) -> int:
    """Create a product as the signed-in seller; its id (the newest row of their list)."""
    response = await create(browser, **changes)
    assert response.status_code == 303, response.text
    return my_product_ids((await browser.get("/sell")).text)[0]


async def edit(browser: httpx.AsyncClient, product_id: int | str, **changes: str) -> httpx.Response:
    path = f"/sell/products/{product_id}/edit"
    return await post_form(browser, path, {**LAMP, **changes}, page="/sell")


def row_text(page: str, product_id: int) -> str:
    """The text of a product's row in the seller's list."""
    row = re.search(rf'<tr id="product-{product_id}">[\s\S]*?</tr>', page)
    assert row, f"no row for product {product_id}"
    return text_of(row.group(0))


def my_product_ids(page: str) -> list[int]:
    return [int(found) for found in ROW_ID.findall(page)]


async def signed_in_as(browser: httpx.AsyncClient) -> str | None:
    page = (await browser.get("/sell")).text
    match = re.search(r"Logged in as <strong>([^<]+)</strong>", page)
    return match.group(1) if match else None


async def shop_text(browser: httpx.AsyncClient, path: str) -> str:
    response = await browser.get(path)
    assert response.status_code == 200, path
    return text_of(response.text)


# Accounts and sessions


async def test_signing_up_starts_a_session_in_a_signed_http_only_cookie(
    shop: httpx.AsyncClient,
) -> None:
    response = await sign_up(shop)
    assert response.status_code == 303
    assert response.headers["location"] == "/sell"
    cookie = session_cookie(response).lower()
    for attribute in ("httponly", "samesite=lax", "path=/sell", f"max-age={12 * 3600}"):
        assert attribute in cookie
    assert "secure" not in cookie  # plain http here; https gets a Secure cookie
    page = (await shop.get("/sell")).text
    assert "Welcome, alice! Your seller account is ready." in text_of(page)
    assert await signed_in_as(shop) == "alice"
    assert "You have no products in the shop yet." in text_of(page)


async def test_over_https_the_session_cookie_is_secure(apps: Apps) -> None:
    async with client(apps.web, "https://shop.test") as browser:
        assert "secure" in session_cookie(await sign_up(browser)).lower()


async def test_sign_up_shows_each_problem_next_to_its_field_and_creates_nobody(
    shop: httpx.AsyncClient, apps: Apps
) -> None:
    response = await post_form(
        shop,
        "/sell/signup",
        {"username": "a b", "password": "short", "password_again": "short"},
        page="/sell/signup",
    )
    assert response.status_code == 400
    assert field_error(response.text, "username").startswith("Choose a username of 3 to 50")
    assert field_error(response.text, "password") == "Password must be at least 8 characters long."
    assert 'value="a b"' in response.text and 'value="short"' not in response.text
    assert 'id="username" name="username" value="a b" aria-describedby' in response.text
    assert re.search(r'id="username"[^>]*aria-invalid="true"[^>]*autofocus', response.text)

    differ = await post_form(
        shop,
        "/sell/signup",
        {"username": "alice", "password": PASSWORD, "password_again": PASSWORD + "!"},
        page="/sell/signup",
    )
    assert differ.status_code == 400
    assert field_error(differ.text, "password_again").startswith("The two passwords differ")
    assert sessions.COOKIE not in shop.cookies
    assert await apps.web.state.database.read(service.list_sellers) == []


async def test_a_taken_username_in_any_case_is_refused(
    shop: httpx.AsyncClient, rival: httpx.AsyncClient
) -> None:
    await sign_up(shop, "Alice")
    response = await sign_up(rival, "alice")
    assert response.status_code == 409
    assert field_error(response.text, "username") == (
        "That username is taken: choose another, or log in."
    )
    assert await signed_in_as(rival) is None


async def test_logging_out_ends_the_session_and_logging_in_starts_another(
    shop: httpx.AsyncClient,
) -> None:
    await sign_up(shop)
    out = await post_form(shop, "/sell/logout", page="/sell")
    assert out.status_code == 303 and out.headers["location"] == "/sell"
    assert session_cookie(out).lower().startswith(f'{sessions.COOKIE}=""; expires=')
    page = (await shop.get("/sell")).text
    assert "You are logged out." in text_of(page)
    assert 'action="/sell/login"' in page and await signed_in_as(shop) is None

    response = await log_in(shop, "ALICE")  # any case of the username
    assert response.status_code == 303 and response.headers["location"] == "/sell"
    assert "Welcome back, alice." in await shop_text(shop, "/sell")
    assert await signed_in_as(shop) == "alice"


async def test_a_wrong_password_is_said_above_the_form_and_signs_nobody_in(
    shop: httpx.AsyncClient,
) -> None:
    await sign_up(shop)
    await post_form(shop, "/sell/logout", page="/sell")
    for username, password in (("alice", "not the password"), ("nobody", PASSWORD)):
        response = await log_in(shop, username, password)
        assert response.status_code == 400
        assert '<p class="alert" id="form-error" role="alert">' in response.text
        assert "Incorrect username or password." in text_of(response.text)
        assert f'value="{username}"' in response.text  # kept, but never the password
        assert password not in response.text
        assert sessions.COOKIE not in response.headers.get("set-cookie", "")
    empty = await log_in(shop, "", "")
    assert field_error(empty.text, "username") == "Enter your username."
    assert field_error(empty.text, "password") == "Enter your password."
    too_long = await log_in(shop, "alice", "x" * 10_000)
    assert too_long.status_code == 400
    assert "Incorrect username or password." in text_of(too_long.text)
    assert await signed_in_as(shop) is None


async def test_repeated_failed_log_ins_are_held_off_with_429(shop: httpx.AsyncClient) -> None:
    await sign_up(shop)
    await post_form(shop, "/sell/logout", page="/sell")
    for _ in range(5):  # SHOPKEEP_LOGIN_ATTEMPTS
        assert (await log_in(shop, "alice", "guess guess")).status_code == 400
    held = await log_in(shop, "alice", PASSWORD)  # even the right password, for now
    assert held.status_code == 429
    seconds = int(held.headers["retry-after"])
    assert 1 <= seconds <= 60
    unit = "second" if seconds == 1 else "seconds"
    assert f"Too many attempts, try again in {seconds} {unit}." in text_of(held.text)
    assert await signed_in_as(shop) is None


async def test_log_in_goes_back_to_the_portal_page_asked_for_and_nowhere_else(
    shop: httpx.AsyncClient,
) -> None:
    await sign_up(shop)
    await post_form(shop, "/sell/logout", page="/sell")
    asked = await shop.get("/sell/products/new")
    assert asked.status_code == 303
    assert asked.headers["location"] == "/sell/login?next=/sell/products/new"
    page = (await shop.get(asked.headers["location"])).text
    assert "Log in to manage your products." in text_of(page)
    assert 'name="next" value="/sell/products/new"' in page
    back = await log_in(shop, next="/sell/products/new")
    assert back.headers["location"] == "/sell/products/new"
    await post_form(shop, "/sell/logout", page="/sell")
    for elsewhere in ("https://evil.test/sell", "//evil.test/sell", "/cart", "/seller"):
        response = await log_in(shop, next=elsewhere)
        assert response.headers["location"] == "/sell"
        await post_form(shop, "/sell/logout", page="/sell")


async def test_a_forged_tampered_or_expired_session_is_ignored_and_dropped(
    shop: httpx.AsyncClient, apps: Apps
) -> None:
    genuine = (await sign_up(shop)).cookies[sessions.COOKIE]
    seller_id = int(genuine.split(".")[1])
    product_id = await create_product(shop)
    secret = apps.web.state.settings.resolved_session_secret
    version, _, expires, signature = genuine.split(".")
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    for value in (
        "",
        "garbage",
        f"{version}.{seller_id + 1}.{expires}.{signature}",  # another seller's id
        f"{version}.{seller_id}.{int(expires) + 86400}.{signature}",  # a longer session
        f"{version}.{seller_id}.{expires}.{flipped}",
        sessions.encode("another secret" * 4, seller_id),
        sessions.encode(secret, seller_id, now=utcnow() - timedelta(hours=13)),  # over
        sessions.encode(secret, 99_999),  # genuine, but no such seller
    ):
        shop.cookies.set(sessions.COOKIE, value, domain="shop.test", path="/sell")
        response = await shop.get("/sell")
        assert response.status_code == 200
        assert 'action="/sell/login"' in response.text, value
        assert session_cookie(response).startswith(f'{sessions.COOKIE}=""'), value  # dropped
        shop.cookies.set(sessions.COOKIE, value, domain="shop.test", path="/sell")
        refused = await edit(shop, product_id, price="1.00")
        assert refused.status_code == 303
        assert refused.headers["location"].startswith("/sell/login?next=")
    shop.cookies.set(sessions.COOKIE, genuine, domain="shop.test", path="/sell")
    assert "$49.50" in await shop_text(shop, f"/products/{product_id}")
    assert await signed_in_as(shop) == "alice"


# Products


async def test_a_new_product_is_in_the_shop_at_once_and_edits_and_deletion_too(
    shop: httpx.AsyncClient,
) -> None:
    books_before = await shop_text(shop, f"/?category={BOOKS}")
    await sign_up(shop)
    assert "Grainlight" not in (await shop.get(f"/?category={HOME_AND_KITCHEN}")).text

    response = await create(shop)
    assert response.status_code == 303 and response.headers["location"] == "/sell"
    mine = (await shop.get("/sell")).text
    assert "Added Walnut Desk Lamp to the shop." in text_of(mine)
    [lamp] = my_product_ids(mine)
    assert row_text(mine, lamp) == (
        "Walnut Desk Lamp Grainlight Home & Kitchen $49.50 7 In stock New stock of Walnut Desk "
        "Lamp Set the stock of Walnut Desk Lamp Edit Walnut Desk Lamp Delete Walnut Desk Lamp"
    )

    page = await shop_text(shop, f"/products/{lamp}")
    assert "Walnut Desk Lamp by Grainlight $49.50" in page
    assert "A warm lamp turned from one piece of walnut." in page
    assert card_ids((await shop.get("/", params={"search": "walnut desk"})).text) == [lamp]
    category = (await shop.get(f"/?category={HOME_AND_KITCHEN}&brand=Grainlight")).text
    assert card_ids(category) == [lamp]
    assert '<option value="Grainlight" selected>' in category  # the brand list has it

    edited = await edit(
        shop, lamp, price="44", stock="2", category_id=str(BOOKS), brand="Lumen", description="New."
    )
    assert edited.status_code == 303
    assert "Saved your changes to Walnut Desk Lamp." in await shop_text(shop, "/sell")
    page = await shop_text(shop, f"/products/{lamp}")
    assert "by Lumen $44.00" in page and "Only 2 left" in page and "New." in page
    assert "Category Books" in page
    assert lamp in card_ids((await shop.get(f"/?category={BOOKS}&brand=Lumen")).text)
    form = (await shop.get(f"/sell/products/{lamp}/edit")).text
    assert 'name="price" value="44.00"' in form and 'name="stock" value="2"' in form

    confirm = await shop.get(f"/sell/products/{lamp}/delete")
    assert confirm.status_code == 200
    assert "Delete Walnut Desk Lamp?" in text_of(confirm.text)
    deleted = await post_form(shop, f"/sell/products/{lamp}/delete", page="/sell")
    assert deleted.status_code == 303
    mine = await shop_text(shop, "/sell")
    assert "Deleted Walnut Desk Lamp: it is no longer in the shop." in mine
    assert "You have no products in the shop yet." in mine
    assert (await shop.get(f"/products/{lamp}")).status_code == 404
    assert card_ids((await shop.get("/", params={"search": "walnut desk"})).text) == []
    assert await shop_text(shop, f"/?category={BOOKS}") == books_before
    assert (await shop.get(f"/sell/products/{lamp}/edit")).status_code == 404


async def test_the_list_holds_only_my_products_newest_first_a_page_at_a_time(
    shop: httpx.AsyncClient, rival: httpx.AsyncClient
) -> None:
    await sign_up(rival, "bob")
    await create_product(rival, name="Bob's Kettle")
    await sign_up(shop)
    ids = [await create_product(shop, name=f"Lamp {n}") for n in range(21)]
    first = (await shop.get("/sell")).text
    assert my_product_ids(first) == ids[::-1][:20]
    assert "21 products in the shop." in text_of(first)
    assert "Bob's Kettle" not in first
    second = (await shop.get("/sell?page=2")).text
    assert my_product_ids(second) == [ids[0]]
    assert 'href="/sell?page=1" rel="prev"' in second
    for odd in ("0", "-1", "x", "99999999999"):
        assert (await shop.get(f"/sell?page={odd}")).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "   "}, "name", "Enter the product's name."),
        ({"name": "x" * 201}, "name", "Use at most 200 characters."),
        ({"name": "Lamp\x00"}, "name", "This holds a character that cannot be stored (NUL)"),
        ({"brand": "b" * 201}, "brand", "Use at most 200 characters."),
        ({"description": "d" * 5001}, "description", "Use at most 5,000 characters."),
        ({"price": "-1"}, "price", "The price must be at least $0.01."),
        ({"price": "0"}, "price", "The price must be at least $0.01."),
        ({"price": "19.999"}, "price", "Use at most two decimals, like 19.99."),
        ({"price": "1e12"}, "price", "The price can be at most $1,000,000,000.00."),
        ({"price": "9" * 400}, "price", "The price can be at most $1,000,000,000.00."),
        ({"price": "NaN"}, "price", "Enter a price in dollars, like 19.99."),
        ({"price": "$5"}, "price", "Enter a price in dollars, like 19.99."),
        ({"price": ""}, "price", "Enter a price in dollars, like 19.99."),
        ({"stock": "-1"}, "stock", "Stock cannot be below 0."),
        ({"stock": "2.5"}, "stock", "Enter a whole number of units, like 0 or 25."),
        ({"stock": "1000000001"}, "stock", "Stock can be at most 1,000,000,000 units."),
        ({"stock": "9" * 5000}, "stock", "That number is far too large for stock."),
        ({"category_id": "99"}, "category_id", "Choose one of the categories."),
        ({"category_id": "99999999999"}, "category_id", "Choose one of the categories."),
        ({"category_id": "books"}, "category_id", "Choose one of the categories."),
        ({"category_id": ""}, "category_id", "Choose one of the categories."),
    ],
)
async def test_bad_input_is_shown_next_to_its_field_and_changes_nothing(
    shop: httpx.AsyncClient, changes: dict[str, str], field: str, message: str
) -> None:
    await sign_up(shop)
    lamp = await create_product(shop)
    for response in (await create(shop, **changes), await edit(shop, lamp, **changes)):
        assert response.status_code == 400
        assert field_error(response.text, field).startswith(message)
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"[^>]*autofocus', response.text)
        assert "Nothing was saved." in text_of(response.text)
        typed = changes[field].strip()
        if typed and "\x00" not in typed and field != "category_id":  # a choice, not typed
            assert typed in response.text  # what was typed comes back, to be corrected
    assert my_product_ids((await shop.get("/sell")).text) == [lamp]
    assert "Walnut Desk Lamp by Grainlight $49.50" in await shop_text(shop, f"/products/{lamp}")


async def test_html_in_a_product_name_is_shown_as_text_everywhere(
    shop: httpx.AsyncClient,
) -> None:
    await sign_up(shop)
    name = '<script>alert("x")</script><b>Bold</b> & co'
    lamp = await create_product(shop, name=name, brand="<i>Brand</i>", description="<img src=x>")
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;Bold&lt;/b&gt; &amp; co"
    pages = [
        (await shop.get("/sell")).text,
        (await shop.get(f"/sell/products/{lamp}/edit")).text,
        (await shop.get(f"/sell/products/{lamp}/delete")).text,
        (await shop.get(f"/products/{lamp}")).text,
        (await shop.get("/", params={"search": "Bold"})).text,
    ]
    for page in pages:
        assert escaped in page
        assert "<script>alert" not in page and "<b>Bold" not in page
        assert "<i>Brand" not in page and "<img src=x>" not in page
    assert card_ids(pages[-1]) == [lamp]


# Refusals


async def test_another_sellers_products_and_the_shops_own_are_refused(
    shop: httpx.AsyncClient, rival: httpx.AsyncClient
) -> None:
    await sign_up(shop)
    lamp = await create_product(shop)
    await sign_up(rival, "bob")
    another = "This product belongs to another seller: you can change only your own products."
    own = "This product belongs to the shop's own catalog: you can change only your own products."
    for product_id, message in ((lamp, another), (KEYBOARD, own)):
        for response in (
            await rival.get(f"/sell/products/{product_id}/edit"),
            await rival.get(f"/sell/products/{product_id}/delete"),
            await edit(rival, product_id, price="0.01"),
            await edit(rival, product_id, price="-5"),  # refused before the input is judged
            await post_form(rival, f"/sell/products/{product_id}/delete", page="/sell"),
        ):
            assert response.status_code == 403
            assert message in text_of(response.text)
            assert 'href="/sell">Your products</a>' in response.text
    assert "Walnut Desk Lamp by Grainlight $49.50" in await shop_text(shop, f"/products/{lamp}")
    assert "Mechanical Keyboard" in await shop_text(shop, f"/products/{KEYBOARD}")
    assert my_product_ids((await rival.get("/sell")).text) == []


@pytest.mark.parametrize("product_id", ["999999", "0", "abc", "99999999999"])
async def test_an_unknown_product_is_a_404_page(shop: httpx.AsyncClient, product_id: str) -> None:
    await sign_up(shop)
    for response in (
        await shop.get(f"/sell/products/{product_id}/edit"),
        await shop.get(f"/sell/products/{product_id}/delete"),
        await edit(shop, product_id, price="1.00"),
        await post_form(shop, f"/sell/products/{product_id}/delete", page="/sell"),
    ):
        assert response.status_code == 404
        assert "We could not find that product." in text_of(response.text)


async def test_signed_out_the_product_pages_send_to_log_in_and_change_nothing(
    shop: httpx.AsyncClient, rival: httpx.AsyncClient
) -> None:
    await sign_up(rival)
    lamp = await create_product(rival)
    token = await form_token(shop, "/sell")
    for method, path in (
        ("GET", "/sell/products/new"),
        ("POST", "/sell/products/new"),
        ("GET", f"/sell/products/{lamp}/edit"),
        ("POST", f"/sell/products/{lamp}/edit"),
        ("GET", f"/sell/products/{lamp}/delete"),
        ("POST", f"/sell/products/{lamp}/delete"),
    ):
        data = {"csrf_token": token, **LAMP, "price": "1.00"} if method == "POST" else None
        response = await shop.request(method, path, data=data)
        assert response.status_code == 303
        assert response.headers["location"] == f"/sell/login?next={path}"
    assert "Log in again to continue. Nothing was changed." in await shop_text(shop, "/sell")
    assert my_product_ids((await rival.get("/sell")).text) == [lamp]
    assert "$49.50" in await shop_text(shop, f"/products/{lamp}")


async def test_every_seller_form_refuses_a_missing_or_wrong_token_and_changes_nothing(
    shop: httpx.AsyncClient, apps: Apps
) -> None:
    await sign_up(shop)
    lamp = await create_product(shop)
    forms = {
        "/sell/signup": {"username": "mallory", "password": PASSWORD, "password_again": PASSWORD},
        "/sell/login": {"username": "alice", "password": PASSWORD},
        "/sell/logout": {},
        "/sell/products/new": {**LAMP, "name": "Forged Lamp"},
        f"/sell/products/{lamp}/edit": {**LAMP, "price": "0.01"},
        f"/sell/products/{lamp}/delete": {},
        f"/sell/products/{lamp}/stock": {"stock": "0"},
    }
    for action, fields in forms.items():
        for token in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 64}):
            response = await shop.post(action, data={**fields, **token})
            assert response.status_code == 403, action
            assert REFUSAL in response.text
            assert sessions.COOKIE not in response.headers.get("set-cookie", "")
    assert await signed_in_as(shop) == "alice"  # not logged out
    assert my_product_ids((await shop.get("/sell")).text) == [lamp]
    assert "$49.50" in await shop_text(shop, f"/products/{lamp}")
    sellers = await apps.web.state.database.read(service.list_sellers)
    assert [seller["username"] for seller in sellers] == ["alice"]


async def test_seller_pages_are_private_and_carry_the_security_headers(
    shop: httpx.AsyncClient,
) -> None:
    await sign_up(shop)
    lamp = await create_product(shop)
    pages = [
        await shop.get(path)
        for path in ("/sell", "/sell/products/new", f"/sell/products/{lamp}/edit", "/sell/logout")
    ]
    await post_form(shop, "/sell/logout", page="/sell")
    pages += [await shop.get("/sell/login"), await shop.get("/sell/signup")]
    for response in pages:
        assert response.headers["cache-control"] == "private, no-cache"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert " style=" not in response.text and "<style" not in response.text
        assert not re.search(r"<[^>]*\son[a-z]+=", response.text)
    header = (await shop.get("/")).text
    assert '<a class="sell-link" href="/sell">Sell</a>' in header


async def test_the_product_list_sets_stock_in_one_step_and_the_shop_shows_it(
    shop: httpx.AsyncClient,
) -> None:
    await sign_up(shop)
    lamp = await create_product(shop)
    page = await shop.get("/sell")
    assert f'<label for="stock-{lamp}" class="visually-hidden">New stock of Walnut Desk Lamp' in (
        page.text
    )
    response = await post_form(
        shop, f"/sell/products/{lamp}/stock", {"stock": "1250"}, page="/sell"
    )
    assert response.status_code == 303 and response.headers["location"] == "/sell"
    assert "Walnut Desk Lamp now has 1,250 in stock." in await shop_text(shop, "/sell")
    product = await shop_text(shop, f"/products/{lamp}")
    assert "1,250" in product or "1250" in product
    await post_form(shop, f"/sell/products/{lamp}/stock", {"stock": "0"}, page="/sell")
    assert "Out of stock" in await shop_text(shop, f"/products/{lamp}")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "Stock cannot be below 0."),
        ("2.5", "Enter a whole number of units"),
        ("", "Enter a whole number of units"),
        ("lots", "Enter a whole number of units"),
        ("9" * 40, "Stock can be at most 1,000,000,000 units."),
    ],
)
async def test_a_bad_stock_in_the_quick_control_is_explained_and_changes_nothing(
    shop: httpx.AsyncClient, typed: str, message: str
) -> None:
    await sign_up(shop)
    lamp = await create_product(shop)
    response = await post_form(shop, f"/sell/products/{lamp}/stock", {"stock": typed}, page="/sell")
    assert response.status_code == 303
    page = await shop_text(shop, "/sell")
    assert "Stock not changed:" in page and message in page
    assert re.search(r'name="stock"[^>]*value="7"', (await shop.get("/sell")).text)


async def test_the_quick_stock_control_refuses_another_sellers_product(
    shop: httpx.AsyncClient, rival: httpx.AsyncClient
) -> None:
    await sign_up(shop)
    lamp = await create_product(shop)
    await sign_up(rival, "bob")
    for product_id, typed in ((lamp, "0"), (lamp, "-1"), (KEYBOARD, "0")):
        response = await post_form(
            rival, f"/sell/products/{product_id}/stock", {"stock": typed}, page="/sell"
        )
        assert response.status_code == 403
    assert "In stock" in await shop_text(shop, f"/products/{lamp}")
    assert "In stock" in await shop_text(shop, f"/products/{KEYBOARD}")
