"""The back office's products pages: staff see every product with its stock (low stock
marked), adjust stock with a reason and set the threshold in forms that say what is wrong next
to the field, and read a product's movements; without a staff session nothing opens or
changes."""

from __future__ import annotations

import re

import httpx

from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.db import Database
from shopkeep.inventory.products import get_product
from tests.inprocess import WEB, Apps, client
from tests.web.helpers import form_token, post_form, text_of
from tests.web.test_admin import REFUSAL, staff_browser
from tests.web.test_sell import sign_up as seller_sign_up

__all__ = ["staff_browser"]  # a fixture used here

KEYBOARD = 3  # 75 in stock
LOW_AT_FIVE = [pid for pid, p in enumerate(DEMO_PRODUCTS, start=1) if p.stock <= 5]
PAGE = f"/admin/products/{KEYBOARD}"


async def stock_and_threshold(database: Database, product_id: int = KEYBOARD) -> tuple[int, int]:
    product = await database.read(get_product, product_id)
    return product["stock"], product["low_stock_threshold"]


def field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', page)
    assert match, f"no error slot for {name}"
    return match.group(1)


async def test_the_products_list_shows_stock_and_marks_low_stock(
    staff_browser: httpx.AsyncClient,
) -> None:
    page = await staff_browser.get("/admin/products")
    assert page.status_code == 200, page.text
    assert f"{len(DEMO_PRODUCTS)} products" in text_of(page.text)
    rows = dict(re.findall(r'<tr id="product-(\d+)"( data-low-stock)?>', page.text))
    assert sorted(int(pid) for pid, low in rows.items() if low) == [
        pid for pid in LOW_AT_FIVE if pid <= 20
    ]
    low = await staff_browser.get("/admin/products?low_stock=1")
    listed = [int(pid) for pid in re.findall(r'<tr id="product-(\d+)"', low.text)]
    assert sorted(listed) == LOW_AT_FIVE
    second = await staff_browser.get("/admin/products?page=2")
    assert re.findall(r'<tr id="product-(\d+)"', second.text)[0] == "21"


async def test_staff_adjust_stock_with_a_reason_and_see_the_movement(
    staff_browser: httpx.AsyncClient, apps: Apps
) -> None:
    response = await post_form(
        staff_browser, f"{PAGE}/stock", {"change": "-3", "reason": "Damaged"}, page=PAGE
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == PAGE
    assert await stock_and_threshold(apps.web.state.database) == (72, 5)
    page = (await staff_browser.get(PAGE)).text
    assert 'data-figure="stock">72<' in page
    assert re.search(r'data-type="adjust">.*?-3.*?staff:olivia.*?Damaged', page, re.S)
    movements = text_of((await staff_browser.get(f"{PAGE}/movements")).text)
    assert "2 movements, newest first; they add up to 72" in movements
    assert "Adjusted -3" in movements and "Adjusted +75" in movements


async def test_a_refused_adjustment_is_said_next_to_its_field_and_changes_nothing(
    staff_browser: httpx.AsyncClient, apps: Apps
) -> None:
    for fields, name, message in (
        (
            {"change": "-80", "reason": "Stocktake"},
            "change",
            "Stock cannot go below 0: 75 in stock, so it can go down by at most 75, not 80",
        ),
        (
            {"change": "three", "reason": "Stocktake"},
            "change",
            "Enter a whole number of units to add, or below 0 to take away (like -3).",
        ),
        ({"change": "0", "reason": "Stocktake"}, "change", "Change the stock by at least one"),
        ({"change": "4", "reason": ""}, "reason", "Say why the stock changes, for the log."),
    ):
        response = await post_form(staff_browser, f"{PAGE}/stock", fields, page=PAGE)
        assert response.status_code == 400, response.text
        assert field_error(response.text, name).startswith(message.replace("'", "&#39;"))
        assert f'value="{fields["change"]}"' in response.text  # kept as typed
        assert f'id="{name}"' in response.text and "autofocus" in response.text
    assert await stock_and_threshold(apps.web.state.database) == (75, 5)


async def test_staff_set_the_low_stock_threshold_in_its_form(
    staff_browser: httpx.AsyncClient, apps: Apps
) -> None:
    response = await post_form(
        staff_browser, f"{PAGE}/threshold", {"low_stock_threshold": "80"}, page=PAGE
    )
    assert response.status_code == 303, response.text
    assert await stock_and_threshold(apps.web.state.database) == (75, 80)
    low = await staff_browser.get("/admin/products?low_stock=1")
    assert f'id="product-{KEYBOARD}"' in low.text

    refused = await post_form(
        staff_browser, f"{PAGE}/threshold", {"low_stock_threshold": "-1"}, page=PAGE
    )
    assert refused.status_code == 400
    assert field_error(refused.text, "low_stock_threshold") == (
        "Enter a whole number from 0 to 1,000,000."
    )
    assert await stock_and_threshold(apps.web.state.database) == (75, 80)


async def test_a_missing_product_page_is_not_found(staff_browser: httpx.AsyncClient) -> None:
    for path in ("/admin/products/99999", "/admin/products/abc/movements"):
        assert (await staff_browser.get(path)).status_code == 404, path


async def test_without_a_staff_session_products_pages_and_forms_refuse(
    shop: httpx.AsyncClient, apps: Apps
) -> None:
    for path in ("/admin/products", PAGE, f"{PAGE}/movements"):
        response = await shop.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/admin/login?next={path}"
    await seller_sign_up(shop, "sam")  # a seller's session is no staff session
    token = await form_token(shop, "/sell")
    for action, fields in (
        (f"{PAGE}/stock", {"change": "-70", "reason": "Theft"}),
        (f"{PAGE}/threshold", {"low_stock_threshold": "100"}),
    ):
        response = await post_form(shop, action, fields, token=token)
        assert response.status_code == 303, action
        assert response.headers["location"].startswith("/admin/login")
    assert await stock_and_threshold(apps.web.state.database) == (75, 5)


async def test_products_forms_refuse_a_missing_or_wrong_token(
    staff_browser: httpx.AsyncClient, apps: Apps
) -> None:
    for token in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 64}):
        for action, fields in (
            (f"{PAGE}/stock", {"change": "-70", "reason": "Theft"}),
            (f"{PAGE}/threshold", {"low_stock_threshold": "100"}),
        ):
            response = await staff_browser.post(action, data={**fields, **token})
            assert response.status_code == 403 and REFUSAL in response.text
    async with client(apps.web, WEB) as stranger:  # another browser's genuine token
        token = await form_token(stranger, "/")
        response = await post_form(
            staff_browser, f"{PAGE}/stock", {"change": "-70", "reason": "Theft"}, token=token
        )
        assert response.status_code == 403
    assert await stock_and_threshold(apps.web.state.database) == (75, 5)
