"""The back office's pages: staff log in with a session of their own, see the dashboard, find
orders and open one; everyone else is refused and nothing changes."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from shopkeep.db import utcnow
from shopkeep.mail.sender import MailSender
from shopkeep.web import sessions
from tests.admin.helpers import staff_member, staff_token
from tests.helpers import PASSWORD
from tests.inprocess import STORE, WEB, Apps, client
from tests.mail.conftest import mail_settings
from tests.mail.helpers import pay, placed
from tests.smtp import smtp_server
from tests.web.helpers import add, form_token, post_form, text_of
from tests.web.test_sell import sign_up as seller_sign_up

KEYBOARD = 3
REFUSAL = "did not come from this shop. Nothing was changed"


@pytest.fixture
async def staff_browser(apps: Apps) -> AsyncIterator[httpx.AsyncClient]:
    """A staff member's browser, logged in to the back office."""
    await staff_member(apps.web.state.database)
    async with client(apps.web, WEB) as browser:
        response = await log_in(browser)
        assert response.status_code == 303, response.text
        yield browser


@pytest.fixture
async def store(apps: Apps) -> AsyncIterator[httpx.AsyncClient]:
    async with client(apps.store, STORE) as api:
        yield api


async def log_in(
    browser: httpx.AsyncClient, username: str = "olivia", password: str = PASSWORD, **extra: str
) -> httpx.Response:
    return await post_form(
        browser,
        "/admin/login",
        {"username": username, "password": password, **extra},
        page="/admin/login",
    )


def staff_cookie(response: httpx.Response) -> str:
    return next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith(f"{sessions.STAFF.name}=")
    )


async def logged_in_as(browser: httpx.AsyncClient) -> str | None:
    page = (await browser.get("/admin")).text
    match = re.search(r"Logged in as <strong>([^<]+)</strong>", page)
    return match.group(1) if match else None


async def placed_order(store: httpx.AsyncClient) -> str:
    cart_id = (await store.post("/cart")).json()["cart_id"]
    await store.post(f"/cart/{cart_id}/items", json={"product_id": KEYBOARD, "quantity": 2})
    response = await store.post(f"/cart/{cart_id}/checkout")
    assert response.status_code == 200, response.text
    order_id: str = response.json()["order_id"]
    return order_id


# Log-in and sessions


async def test_staff_log_in_to_a_session_cookie_scoped_to_admin(apps: Apps) -> None:
    await staff_member(apps.web.state.database)
    async with client(apps.web, WEB) as browser:
        first = await browser.get("/admin")
        assert first.status_code == 200
        assert 'action="/admin/login"' in first.text
        response = await log_in(browser, "OLIVIA")
        assert response.status_code == 303 and response.headers["location"] == "/admin"
        cookie = staff_cookie(response).lower()
        for attribute in ("httponly", "samesite=lax", "path=/admin", f"max-age={12 * 3600}"):
            assert attribute in cookie
        assert "secure" not in cookie
        page = text_of((await browser.get("/admin")).text)
        assert "Welcome back, olivia." in page
        assert "Dashboard" in page and "Waiting to ship" in page
        assert await logged_in_as(browser) == "olivia"

        out = await post_form(browser, "/admin/logout", page="/admin")
        assert out.status_code == 303 and out.headers["location"] == "/admin"
        assert staff_cookie(out).startswith(f'{sessions.STAFF.name}=""')
        assert await logged_in_as(browser) is None


async def test_over_https_the_staff_cookie_is_secure(apps: Apps) -> None:
    await staff_member(apps.web.state.database)
    async with client(apps.web, "https://shop.test") as browser:
        assert "secure" in staff_cookie(await log_in(browser)).lower()


async def test_a_wrong_password_or_too_many_are_said_on_the_form(apps: Apps) -> None:
    await staff_member(apps.web.state.database)
    async with client(apps.web, WEB) as browser:
        wrong = await log_in(browser, password="not the password")
        assert wrong.status_code == 400
        assert "Incorrect username or password." in text_of(wrong.text)
        assert 'value="olivia"' in wrong.text and "not the password" not in wrong.text
        for _ in range(4):
            await log_in(browser, password="guess guess")
        held = await log_in(browser)
        assert held.status_code == 429 and 1 <= int(held.headers["retry-after"]) <= 60
        assert await logged_in_as(browser) is None


async def test_log_in_goes_back_to_the_back_office_page_asked_for_only(apps: Apps) -> None:
    await staff_member(apps.web.state.database)
    async with client(apps.web, WEB) as browser:
        asked = await browser.get("/admin/orders")
        assert asked.status_code == 303
        assert asked.headers["location"] == "/admin/login?next=/admin/orders"
        back = await log_in(browser, next="/admin/orders")
        assert back.headers["location"] == "/admin/orders"
        await post_form(browser, "/admin/logout", page="/admin")
        for elsewhere in ("/sell", "//evil.test/admin", "/administrator"):
            assert (await log_in(browser, next=elsewhere)).headers["location"] == "/admin"
            await post_form(browser, "/admin/logout", page="/admin")


# Dashboard and orders


async def test_the_dashboard_shows_the_days_figures_and_low_stock(
    staff_browser: httpx.AsyncClient, store: httpx.AsyncClient
) -> None:
    await placed_order(store)  # unpaid: counts nowhere
    page = (await staff_browser.get("/admin")).text
    today = re.search(r'data-figure="today">([^<]*)<small>([^<]*)', page)
    assert today and today.groups() == ("0 orders", "$0.00")
    assert "Every paid order, until shipments are recorded." in page
    assert re.search(r'data-figure="low-stock">\d+ products?', page)


async def test_orders_are_found_by_filters_and_opened(
    staff_browser: httpx.AsyncClient, store: httpx.AsyncClient
) -> None:
    first = await placed_order(store)
    second = await placed_order(store)
    listed = await staff_browser.get("/admin/orders")
    assert listed.status_code == 200
    ids = re.findall(r'<tr id="order-([0-9a-f]{32})">', listed.text)
    assert ids == [second, first]
    assert "Export these as CSV" in listed.text

    found = await staff_browser.get(f"/admin/orders?q={first[:8]}&status=pending_payment")
    assert re.findall(r'<tr id="order-([0-9a-f]{32})">', found.text) == [first]
    csv_link = f'href="/admin/orders.csv?status=pending_payment&amp;q={first[:8]}"'
    assert csv_link in found.text

    unpaid = await staff_browser.get("/admin/orders?payment_status=unpaid")
    assert re.findall(r'<tr id="order-([0-9a-f]{32})">', unpaid.text) == [second, first]
    assert '<option value="unpaid" selected>Unpaid</option>' in unpaid.text
    shipped = await staff_browser.get("/admin/orders?fulfilment_status=shipped")
    assert re.findall(r'<tr id="order-([0-9a-f]{32})">', shipped.text) == []

    bad = await staff_browser.get(
        "/admin/orders?created_from=someday&status=lost&fulfilment_status=lost"
    )
    assert bad.status_code == 400
    assert re.search(r'id="fulfilment_status"[^>]*aria-invalid="true"', bad.text)
    assert "Enter a day like 2026-12-01." in text_of(bad.text)
    assert "Choose one of the statuses." in text_of(bad.text)
    assert re.search(r'id="status"[^>]*aria-invalid="true"[^>]*autofocus', bad.text)

    exported = await staff_browser.get(f"/admin/orders.csv?q={first[:8]}")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(row["order_id"], row["quantity"]) for row in rows] == [(first, "2")]

    order = await staff_browser.get(f"/admin/orders/{first}")
    assert order.status_code == 200
    text = text_of(order.text)
    assert "Waiting for payment" in text and "Mechanical Keyboard" in text and "$179.98" in text
    missing = await staff_browser.get(f"/admin/orders/{'0' * 32}")
    assert missing.status_code == 404


async def test_orders_are_found_by_the_customers_email_or_name(
    staff_browser: httpx.AsyncClient, store: httpx.AsyncClient
) -> None:
    ada = (await placed(store, (KEYBOARD, 1)))["order_id"]
    other = await placed_order(store)
    found = await staff_browser.get("/admin/orders?q=ADA%40example.com")
    assert re.findall(r'<tr id="order-([0-9a-f]{32})">', found.text) == [ada]
    assert "Ada Lovelace ada@example.com" in text_of(found.text)
    assert 'href="/admin/orders.csv?q=ADA%40example.com"' in found.text
    by_name = await staff_browser.get("/admin/orders?q=lovel")
    assert re.findall(r'<tr id="order-([0-9a-f]{32})">', by_name.text) == [ada]
    listed = text_of((await staff_browser.get("/admin/orders")).text)
    assert "No details" in listed and other[:8] in listed

    page = text_of((await staff_browser.get(f"/admin/orders/{ada}")).text)
    for shown in (
        "Ada Lovelace ada@example.com 12 St James",
        "12 St James's Square",
        "SW1Y 4JH London",
        "United Kingdom",
        "Phone: +44 20 7946 0000",
        "Please leave it with the porter.",
    ):
        assert shown in page, shown
    without = text_of((await staff_browser.get(f"/admin/orders/{other}")).text)
    assert "Placed without contact details" in without


async def test_staff_read_the_mail_outbox_and_send_a_failed_message_again(
    staff_browser: httpx.AsyncClient, store: httpx.AsyncClient, apps: Apps
) -> None:
    order = await placed(store, (KEYBOARD, 1))
    await pay(store, order)
    database, settings = apps.web.state.database, apps.web.state.settings
    with smtp_server(started=False) as smtp:  # nobody listens: every try fails
        giving_up = MailSender(database, mail_settings(settings, smtp, mail_retry_hours=1e-9))
        assert await giving_up.worker.run_due() == 2
        listed = await staff_browser.get("/admin/mail")
        assert listed.status_code == 200
        assert 'href="/admin/mail" aria-current="page"' in listed.text
        rows = re.findall(r'<tr id="mail-([0-9a-f]{32})" data-status="(\w+)">', listed.text)
        assert [status for _, status in rows] == ["failed", "failed"]
        text = text_of(listed.text)
        assert "ada@example.com" in text and "The shop (SHOPKEEP_SHOP_EMAIL)" in text
        assert text.count("Retry now") == 2 and "Connect" in text
        customer = (await store.get("/admin/mail", headers=await staff_token(store))).json()
        mail_id = next(m["id"] for m in customer["messages"] if m["recipient"] == "customer")

        refused = await staff_browser.post(f"/admin/mail/{mail_id}/retry", data={})
        assert refused.status_code == 403 and REFUSAL in refused.text
        retried = await post_form(staff_browser, f"/admin/mail/{mail_id}/retry", page="/admin/mail")
        assert retried.status_code == 303
        assert retried.headers["location"] == f"/admin/mail/{mail_id}"
        shown = await staff_browser.get(f"/admin/mail/{mail_id}")
        assert "Sending it again now." in text_of(shown.text)
        assert 'data-field="status">Waiting; the last try failed<' in shown.text
        assert "Last error: SMTPConnectError" in text_of(shown.text)
        assert "1 x Mechanical Keyboard at $89.99 = $89.99" in shown.text
        failed = await staff_browser.get("/admin/mail?status=failed")
        assert len(re.findall(r'<tr id="mail-', failed.text)) == 1

        smtp.start()
        sender = MailSender(database, mail_settings(settings, smtp))
        assert await sender.worker.run_due() == 1
        assert [r.recipients for r in smtp.inbox.received] == [["ada@example.com"]]
    sent = await staff_browser.get(f"/admin/mail/{mail_id}")
    assert 'data-field="status">Sent<' in sent.text and "Retry now" not in sent.text
    again = await post_form(staff_browser, f"/admin/mail/{mail_id}/retry", page="/admin/mail")
    assert again.status_code == 400
    assert "This message has already been sent." in text_of(again.text)


# Who may not


async def test_without_a_session_every_page_sends_to_log_in(
    shop: httpx.AsyncClient, store: httpx.AsyncClient
) -> None:
    order_id = await placed_order(store)
    for path in (
        "/admin/orders",
        "/admin/orders.csv",
        f"/admin/orders/{order_id}",
        "/admin/mail",
        f"/admin/mail/{'0' * 32}",
    ):
        response = await shop.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/admin/login?next={path}"
    assert 'action="/admin/login"' in (await shop.get("/admin")).text


async def test_a_sellers_session_never_opens_the_back_office(
    shop: httpx.AsyncClient, apps: Apps
) -> None:
    await staff_member(apps.web.state.database, "alice")  # a staff member of the same name
    response = await seller_sign_up(shop, "alice")
    seller_value = response.cookies[sessions.SELLER.name]
    assert "path=/sell" in seller_cookie(response).lower()
    assert 'action="/admin/login"' in (await shop.get("/admin")).text  # not sent, not read
    # Even placed under the staff cookie's name, a seller's value is not a staff session.
    shop.cookies.set(sessions.STAFF.name, seller_value, domain="shop.test", path="/admin")
    page = await shop.get("/admin")
    assert 'action="/admin/login"' in page.text
    assert staff_cookie(page).startswith(f'{sessions.STAFF.name}=""')  # dropped
    assert (await shop.get("/admin/orders")).status_code == 303


def seller_cookie(response: httpx.Response) -> str:
    return next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith(f"{sessions.SELLER.name}=")
    )


async def test_a_staff_session_is_not_a_sellers_session(
    shop: httpx.AsyncClient, apps: Apps
) -> None:
    signed_up = await seller_sign_up(shop, "sam")
    seller_id = int(signed_up.cookies[sessions.SELLER.name].split(".")[1])
    await post_form(shop, "/sell/logout", page="/sell")
    # A genuine staff session naming the seller's id, placed under the seller's cookie name.
    secret = apps.web.state.settings.resolved_session_secret
    value = sessions.STAFF.encode(secret, seller_id)
    shop.cookies.set(sessions.SELLER.name, value, domain="shop.test", path="/sell")
    assert 'action="/sell/login"' in (await shop.get("/sell")).text
    assert sessions.SELLER.encode(secret, seller_id) != value


async def test_a_forged_tampered_or_expired_staff_cookie_is_refused_and_dropped(
    staff_browser: httpx.AsyncClient, apps: Apps
) -> None:
    genuine = staff_browser.cookies[sessions.STAFF.name]
    staff_id = int(genuine.split(".")[1])
    secret = apps.web.state.settings.resolved_session_secret
    version, _, expires, signature = genuine.split(".")
    for value in (
        "garbage",
        f"{version}.{staff_id}.{int(expires) + 86400}.{signature}",
        sessions.STAFF.encode("another secret" * 4, staff_id),
        sessions.STAFF.encode(secret, staff_id, now=utcnow() - timedelta(hours=13)),
        sessions.STAFF.encode(secret, 99_999),
        sessions.SELLER.encode(secret, staff_id),
    ):
        staff_browser.cookies.set(sessions.STAFF.name, value, domain="shop.test", path="/admin")
        page = await staff_browser.get("/admin")
        assert 'action="/admin/login"' in page.text, value
        assert staff_cookie(page).startswith(f'{sessions.STAFF.name}=""'), value
        staff_browser.cookies.set(sessions.STAFF.name, value, domain="shop.test", path="/admin")
        assert (await staff_browser.get("/admin/orders")).status_code == 303, value
    staff_browser.cookies.set(sessions.STAFF.name, genuine, domain="shop.test", path="/admin")
    assert await logged_in_as(staff_browser) == "olivia"


async def test_every_back_office_form_refuses_a_missing_or_wrong_token(
    staff_browser: httpx.AsyncClient, apps: Apps
) -> None:
    await staff_member(apps.web.state.database, "mallory")
    async with client(apps.web, WEB) as stranger:
        await add(stranger, KEYBOARD, 1)  # a browser with its own form cookie
        for token in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 64}):
            fields = {"username": "mallory", "password": PASSWORD, **token}
            response = await stranger.post("/admin/login", data=fields)
            assert response.status_code == 403 and REFUSAL in response.text
            assert sessions.STAFF.name not in response.headers.get("set-cookie", "")
            out = await staff_browser.post("/admin/logout", data=token)
            assert out.status_code == 403 and REFUSAL in out.text
        assert await logged_in_as(stranger) is None
    assert await logged_in_as(staff_browser) == "olivia"  # not logged out
    assert await form_token(staff_browser, "/admin")
