"""The back office's products API and the stock movements behind it: every change of stock is
logged (checkout, release, restock, a seller's or a staff member's adjustment), and the sum of a
product's movements is its stock; refusals change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.db import Database, Tx, utcnow
from shopkeep.errors import BadRequest
from shopkeep.inventory import service as inventory
from shopkeep.orders.service import expire_orders
from tests.admin.helpers import paid_order, staff_member, staff_token
from tests.helpers import checked_out, new_product, signed_up, stock_of

KEYBOARD, MONITOR = 3, 1  # 75 and 120 in stock in the demo catalog
BELOW_ZERO = "Stock cannot go below 0: 75 in stock, so it can go down by at most 75, not 76"


@pytest.fixture
async def staff(client: httpx.AsyncClient, database: Database) -> dict[str, str]:
    await staff_member(database)
    return await staff_token(client)


async def movements(
    client: httpx.AsyncClient, staff: dict[str, str], product_id: int
) -> dict[str, Any]:
    response = await client.get(f"/admin/products/{product_id}/movements", headers=staff)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def moves(body: dict[str, Any]) -> list[tuple[str, int, str | None, str]]:
    """(type, quantity, order_id, actor) of each movement, newest first."""
    return [(m["type"], m["quantity"], m["order_id"], m["actor"]) for m in body["movements"]]


async def adjust(
    client: httpx.AsyncClient, staff: dict[str, str], product_id: int, change: Any, reason: Any
) -> httpx.Response:
    return await client.post(
        f"/admin/products/{product_id}/stock",
        json={"change": change, "reason": reason},
        headers=staff,
    )


# The list


async def test_the_list_shows_every_sellers_and_the_shops_own_products_with_stock(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    _, seller = await signed_up(client, "sam")
    lamp = await new_product(client, seller, stock=4)

    response = await client.get("/admin/products?page_size=100", headers=staff)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(DEMO_PRODUCTS) + 1
    listed = {p["id"]: p for p in body["products"]}
    assert listed[KEYBOARD] == {
        "id": KEYBOARD,
        "name": DEMO_PRODUCTS[KEYBOARD - 1].name,
        "stock": 75,
        "low_stock_threshold": 5,
        "low_stock": False,
        "seller_id": None,
        "seller": None,
    }
    assert listed[lamp["id"]]["seller"] == "sam"
    assert listed[lamp["id"]]["low_stock"] is True  # 4 is at or below 5

    second = (await client.get("/admin/products?page=2&page_size=10", headers=staff)).json()
    assert [p["id"] for p in second["products"]] == list(range(11, 21))


async def test_the_low_stock_filter_lists_products_at_or_below_their_threshold_lowest_first(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    expected = sorted(
        (product.stock, product_id)
        for product_id, product in enumerate(DEMO_PRODUCTS, start=1)
        if product.stock <= 5
    )
    response = await client.get("/admin/products?low_stock=true&page_size=100", headers=staff)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(p["stock"], p["id"]) for p in body["products"]] == expected
    assert body["total"] == len(expected)


# Adjusting stock


async def test_staff_adjust_stock_with_a_reason_logged_as_their_movement(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    response = await adjust(client, staff, KEYBOARD, 10, "Found a box in the back")
    assert response.status_code == 200, response.text
    assert response.json()["stock"] == 85
    response = await adjust(client, staff, KEYBOARD, -5, "Water damage")
    assert response.json()["stock"] == 80
    assert await stock_of(client, KEYBOARD) == 80

    body = await movements(client, staff, KEYBOARD)
    assert moves(body) == [
        ("adjust", -5, None, "staff:olivia"),
        ("adjust", 10, None, "staff:olivia"),
        ("adjust", 75, None, "system"),  # the demo catalog's first stock
    ]
    assert [m["reason"] for m in body["movements"]] == [
        "Water damage",
        "Found a box in the back",
        "Initial stock",
    ]
    assert body["sum"] == 80 and body["total"] == 3


@pytest.mark.parametrize(
    ("change", "reason", "status", "detail"),
    [
        (-76, "Stocktake", 400, BELOW_ZERO),
        (0, "Stocktake", 400, "Change the stock by at least one unit, up or down"),
        (5, "   ", 400, "Give a reason for the change, in at most 200 characters"),
        (5, "", 422, None),
        (5, "x" * 201, 422, None),
        ("many", "Stocktake", 422, None),
        (2_000_000_000, "Stocktake", 422, None),
    ],
)
async def test_a_refused_adjustment_says_why_and_changes_nothing(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    change: Any,
    reason: Any,
    status: int,
    detail: str | None,
) -> None:
    response = await adjust(client, staff, KEYBOARD, change, reason)
    assert response.status_code == status, response.text
    if detail is not None:
        assert response.json() == {"detail": detail}
    assert await stock_of(client, KEYBOARD) == 75
    assert (await movements(client, staff, KEYBOARD))["total"] == 1


async def test_adjusting_a_missing_or_deleted_product_is_404(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    _, seller = await signed_up(client, "sam")
    lamp = await new_product(client, seller)
    await client.delete(f"/products/{lamp['id']}", headers=seller)
    for product_id in (lamp["id"], 99_999, 2**40):
        response = await adjust(client, staff, product_id, 1, "Stocktake")
        assert response.status_code in (404, 422), response.text
        if response.status_code == 404:
            assert response.json() == {"detail": "Product not found"}


# The threshold


async def test_staff_set_the_low_stock_threshold_and_the_product_counts_as_low(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    response = await client.patch(
        f"/admin/products/{KEYBOARD}", json={"low_stock_threshold": 80}, headers=staff
    )
    assert response.status_code == 200, response.text
    assert response.json()["low_stock_threshold"] == 80 and response.json()["low_stock"]
    low = (await client.get("/admin/products?low_stock=true&page_size=100", headers=staff)).json()
    assert KEYBOARD in [p["id"] for p in low["products"]]

    for bad in (-1, 2_000_000, "x"):
        refused = await client.patch(
            f"/admin/products/{KEYBOARD}", json={"low_stock_threshold": bad}, headers=staff
        )
        assert refused.status_code == 422, refused.text
    listed = await client.get(f"/admin/products/{KEYBOARD}/movements", headers=staff)
    assert listed.json()["product"]["low_stock_threshold"] == 80


# Every change of stock is a movement


async def test_checkout_reserves_expiry_releases_and_a_paid_order_keeps_its_reservation(
    client: httpx.AsyncClient, database: Database, staff: dict[str, str]
) -> None:
    expiring = await checked_out(client, (KEYBOARD, 2), (MONITOR, 1))
    paid = await paid_order(client, (KEYBOARD, 3), payment_id="pay_m")
    assert await database.write(expire_orders, utcnow() + timedelta(hours=1)) == 1

    assert moves(await movements(client, staff, KEYBOARD)) == [
        ("release", 2, expiring["order_id"], "system"),
        ("reserve", -3, paid["order_id"], "customer"),
        ("reserve", -2, expiring["order_id"], "customer"),
        ("adjust", 75, None, "system"),
    ]
    assert moves(await movements(client, staff, MONITOR))[:2] == [
        ("release", 1, expiring["order_id"], "system"),
        ("reserve", -1, expiring["order_id"], "customer"),
    ]
    assert (await movements(client, staff, KEYBOARD))["sum"] == await stock_of(client, KEYBOARD)


async def test_a_sellers_new_product_and_stock_edits_are_their_movements(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    _, seller = await signed_up(client, "sam")
    lamp = await new_product(client, seller, stock=10)
    edited = await client.patch(f"/products/{lamp['id']}", json={"stock": 4}, headers=seller)
    assert edited.status_code == 200, edited.text
    same = await client.patch(f"/products/{lamp['id']}", json={"stock": 4}, headers=seller)
    assert same.status_code == 200, same.text

    assert moves(await movements(client, staff, lamp["id"])) == [
        ("adjust", -6, None, "seller:sam"),
        ("adjust", 10, None, "seller:sam"),
    ]
    empty = await new_product(client, seller, stock=0)
    assert (await movements(client, staff, empty["id"]))["movements"] == []


async def test_restock_puts_refunded_units_back_as_movements_of_the_order(
    client: httpx.AsyncClient, database: Database, staff: dict[str, str]
) -> None:
    order = await paid_order(client, (KEYBOARD, 3), (MONITOR, 2), payment_id="pay_r")
    await database.write(
        inventory.restock,
        order["order_id"],
        [(MONITOR, 1), (KEYBOARD, 2)],
        inventory.staff_actor("olivia"),
    )
    assert await stock_of(client, KEYBOARD) == 74 and await stock_of(client, MONITOR) == 119
    assert moves(await movements(client, staff, KEYBOARD))[0] == (
        "restock",
        2,
        order["order_id"],
        "staff:olivia",
    )

    async def bad(tx: Tx) -> None:
        await inventory.restock(tx, order["order_id"], [(KEYBOARD, 1), (MONITOR, 0)], "system")

    with pytest.raises(BadRequest, match="at least one unit"):
        await database.write(bad)
    assert await stock_of(client, KEYBOARD) == 74


# Access


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/admin/products", None),
        ("POST", f"/admin/products/{KEYBOARD}/stock", {"change": -70, "reason": "Theft"}),
        ("PATCH", f"/admin/products/{KEYBOARD}", {"low_stock_threshold": 100}),
        ("GET", f"/admin/products/{KEYBOARD}/movements", None),
    ],
)
async def test_products_endpoints_refuse_no_token_and_a_sellers_token(
    client: httpx.AsyncClient, staff: dict[str, str], method: str, path: str, body: Any
) -> None:
    _, seller = await signed_up(client, "sam")
    for headers in ({}, seller, {"Authorization": "Bearer forged"}):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, response.text
    product = (await movements(client, staff, KEYBOARD))["product"]
    assert (product["stock"], product["low_stock_threshold"]) == (75, 5)
