"""The back office's JSON API: staff log-in, the dashboard, orders (list, one, CSV)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from shopkeep.admin.export import orders_csv
from shopkeep.admin.orders import OrderFilter
from shopkeep.db import Database, Tx, utcnow
from shopkeep.orders.models import Order
from tests.admin.helpers import paid_order, staff_member, staff_token
from tests.helpers import PASSWORD, checked_out, new_product, signed_up
from tests.invariants import set_product
from tests.mail.helpers import DETAILS, placed

KEYBOARD, PRODUCT_5 = 3, 5


@pytest.fixture
async def staff(client: httpx.AsyncClient, database: Database) -> dict[str, str]:
    await staff_member(database)
    return await staff_token(client)


async def set_created(database: Database, order_id: str, days_ago: int) -> None:
    async def write(tx: Tx) -> None:
        moved = utcnow() - timedelta(days=days_ago)
        await tx.execute(update(Order).where(Order.id == order_id).values(created_at=moved))

    await database.write(write)


# Log-in


async def test_staff_log_in_with_the_password_form_and_get_a_bearer_token(
    client: httpx.AsyncClient, database: Database
) -> None:
    await staff_member(database, "Olivia")
    response = await client.post(
        "/admin/auth/token", data={"username": "OLIVIA", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"access_token", "token_type"}
    assert response.json()["token_type"] == "bearer"

    wrong = await client.post("/admin/auth/token", data={"username": "olivia", "password": "x"})
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "Incorrect username or password"}


async def test_a_seller_cannot_log_in_to_the_back_office_with_their_password(
    client: httpx.AsyncClient,
) -> None:
    await signed_up(client, "sam")
    response = await client.post(
        "/admin/auth/token", data={"username": "sam", "password": PASSWORD}
    )
    assert response.status_code == 401


async def test_staff_log_ins_are_limited_apart_from_a_seller_of_the_same_name(
    client: httpx.AsyncClient, database: Database
) -> None:
    await staff_member(database, "sam")
    await signed_up(client, "sam")
    for _ in range(5):  # SHOPKEEP_LOGIN_ATTEMPTS
        guess = await client.post("/admin/auth/token", data={"username": "sam", "password": "?"})
        assert guess.status_code == 401
    held = await client.post("/admin/auth/token", data={"username": "sam", "password": PASSWORD})
    assert held.status_code == 429
    assert 1 <= int(held.headers["retry-after"]) <= 60
    seller = await client.post("/auth/token", data={"username": "sam", "password": PASSWORD})
    assert seller.status_code == 200  # the seller's own counter is untouched


# Orders


async def test_orders_are_listed_newest_first_with_filters_search_and_pages(
    client: httpx.AsyncClient, database: Database, staff: dict[str, str]
) -> None:
    pending = await checked_out(client, (KEYBOARD, 1))
    paid = await paid_order(client, (KEYBOARD, 2), (PRODUCT_5, 1), payment_id="pay_a")
    old = await paid_order(client, (PRODUCT_5, 1), payment_id="pay_b")
    await set_created(database, old["order_id"], days_ago=10)

    everything = await client.get("/admin/orders", headers=staff)
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert (body["total"], body["page"], body["page_size"]) == (3, 1, 20)
    assert [o["order_id"] for o in body["orders"]] == [
        paid["order_id"],
        pending["order_id"],
        old["order_id"],
    ]
    assert body["orders"][0]["units"] == 3
    assert body["orders"][0]["status"] == "paid"
    assert body["orders"][0]["total"] == paid["total"]

    async def ids(**params: str | int) -> list[str]:
        response = await client.get("/admin/orders", params=params, headers=staff)
        assert response.status_code == 200, response.text
        return [o["order_id"] for o in response.json()["orders"]]

    assert await ids(status="paid") == [paid["order_id"], old["order_id"]]
    assert await ids(status="pending_payment") == [pending["order_id"]]
    assert await ids(q=paid["order_id"][:6].upper()) == [paid["order_id"]]
    assert await ids(q="not an id") == []
    today = utcnow().date()
    assert await ids(created_from=str(today)) == [paid["order_id"], pending["order_id"]]
    ten_days_ago = str(today - timedelta(days=10))
    assert await ids(created_to=ten_days_ago) == [old["order_id"]]
    assert await ids(page=2, page_size=2) == [old["order_id"]]
    past_the_end = await client.get("/admin/orders?page=9", headers=staff)
    assert past_the_end.json()["orders"] == [] and past_the_end.json()["total"] == 3


async def test_orders_are_found_by_the_customers_email_or_name_in_any_case(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    ada = await placed(client, (KEYBOARD, 1))
    grace = await placed(
        client,
        (PRODUCT_5, 2),
        details={**DETAILS, "email": "Grace.H@Navy.example.org", "name": "Grace"},
    )
    anonymous = await checked_out(client, (PRODUCT_5, 1))  # seed 001's checkout: no details

    async def found(q: str, path: str = "/admin/orders") -> list[str]:
        response = await client.get(path, params={"q": q}, headers=staff)
        assert response.status_code == 200, response.text
        if path.endswith(".csv"):
            return [row["order_id"] for row in csv_rows(response.text)]
        return [o["order_id"] for o in response.json()["orders"]]

    assert await found("ada@example.com") == [ada["order_id"]]
    assert await found("  GRACE.h@navy.EXAMPLE.org ") == [grace["order_id"]]
    assert await found("grace.h@") == [grace["order_id"]]
    assert await found("lovelace") == [ada["order_id"]]
    assert await found("ACE") == [grace["order_id"], ada["order_id"]]  # both names hold "ace"
    assert await found(anonymous["order_id"][:10]) == [anonymous["order_id"]]
    for wildcard in ("%", "_", "a%e"):
        assert await found(wildcard) == []
    assert await found("example.com") == []  # an email is found by its start only
    assert await found("ada@example.com", "/admin/orders.csv") == [ada["order_id"]]
    assert await found("grace", "/admin/orders.csv") == [grace["order_id"]]

    listed = await client.get("/admin/orders", headers=staff)
    shown = {o["order_id"]: (o["email"], o["name"]) for o in listed.json()["orders"]}
    assert shown == {
        ada["order_id"]: ("ada@example.com", "Ada Lovelace"),
        grace["order_id"]: ("Grace.H@navy.example.org", "Grace"),
        anonymous["order_id"]: (None, None),
    }


@pytest.mark.parametrize(
    "query",
    [
        "status=shipped",
        "page=0",
        "page_size=101",
        "created_from=yesterday",
        "created_from=2026-12-02&created_to=2026-12-01",
        "created_to=9999-12-31",
        f"q={'x' * 201}",
    ],
)
async def test_bad_order_filters_are_422_with_what_is_wrong(
    client: httpx.AsyncClient, staff: dict[str, str], query: str
) -> None:
    response = await client.get(f"/admin/orders?{query}", headers=staff)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_one_order_shows_its_lines_sellers_stock_and_payments(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    _, seller = await signed_up(client, "sam")
    lamp = await new_product(client, seller, stock=10)
    order = await paid_order(client, (lamp["id"], 2), (KEYBOARD, 1), payment_id="pay_c")

    response = await client.get(f"/admin/orders/{order['order_id']}", headers=staff)
    assert response.status_code == 200, response.text
    body = response.json()
    public = (await client.get(f"/orders/{order['order_id']}")).json()
    staff_only = ("items", "payments", "refunds", "notes", "history")
    assert {k: v for k, v in body.items() if k not in staff_only} == {
        k: v for k, v in public.items() if k not in ("items", "history")
    }
    assert [{**e, "public": True, "data": None} for e in public["history"]] == body["history"]
    lines = {item["product_id"]: item for item in body["items"]}
    assert lines[lamp["id"]]["seller_id"] == lamp["seller_id"]
    assert (lines[lamp["id"]]["seller"], lines[KEYBOARD]["seller"]) == ("sam", None)
    assert lines[lamp["id"]]["stock_now"] == 8
    assert lines[KEYBOARD]["seller_id"] is None and lines[KEYBOARD]["stock_now"] == 74
    [payment] = body["payments"]
    assert (payment["payment_id"], payment["status"]) == ("pay_c", "success")
    assert payment["amount"] == order["total"]

    missing = await client.get(f"/admin/orders/{'0' * 32}", headers=staff)
    assert missing.status_code == 404 and missing.json() == {"detail": "Order not found"}


async def test_the_dashboard_counts_todays_and_the_weeks_sales_and_low_stock(
    client: httpx.AsyncClient, database: Database, staff: dict[str, str]
) -> None:
    today = await paid_order(client, (KEYBOARD, 1), payment_id="pay_d")
    this_week = await paid_order(client, (KEYBOARD, 2), payment_id="pay_e")
    await set_created(database, this_week["order_id"], days_ago=3)
    last_month = await paid_order(client, (KEYBOARD, 1), payment_id="pay_f")
    await set_created(database, last_month["order_id"], days_ago=30)
    await checked_out(client, (KEYBOARD, 1))  # not paid: counts nowhere

    async def low(tx: Tx) -> None:
        await set_product(tx, PRODUCT_5, stock=5)
        await set_product(tx, KEYBOARD, stock=3, low_stock_threshold=2)  # above its threshold

    await database.write(low)
    response = await client.get("/admin/dashboard", headers=staff)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["today"]["paid_orders"] == 1
    assert body["today"]["revenue"] == today["total"]
    assert body["last_7_days"]["paid_orders"] == 2
    assert body["last_7_days"]["revenue"] == pytest.approx(today["total"] + this_week["total"])
    assert body["waiting_to_ship"] == 3
    assert body["waiting_by_seller"] == [{"seller_id": None, "seller": None, "orders": 3}]
    low_ids = [product["id"] for product in body["low_stock"]]
    assert PRODUCT_5 in low_ids and KEYBOARD not in low_ids
    assert body["low_stock_total"] == len(low_ids)


# The export


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_csv_export_has_a_row_per_line_follows_the_filters_and_defuses_formulas(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    _, seller = await signed_up(client, "sam")
    formula = await new_product(client, seller, name='=HYPERLINK("http://evil.test","x")')
    plus = await new_product(client, seller, name="+1 spare battery")
    order = await paid_order(client, (formula["id"], 2), (plus["id"], 1), payment_id="pay_g")
    await checked_out(client, (KEYBOARD, 1))

    response = await client.get("/admin/orders.csv?status=paid", headers=staff)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="orders-paid.csv"' in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "private, no-store"
    rows = csv_rows(response.text)
    assert [(row["order_id"], row["product_id"]) for row in rows] == [
        (order["order_id"], str(formula["id"])),
        (order["order_id"], str(plus["id"])),
    ]
    assert rows[0]["product_name"] == '\'=HYPERLINK("http://evil.test","x")'
    assert rows[1]["product_name"] == "'+1 spare battery"
    assert (rows[0]["unit_price"], rows[0]["quantity"], rows[0]["line_total"]) == (
        "12.50",
        "2",
        "25.00",
    )
    assert rows[0]["order_total"] == "37.50" and rows[0]["status"] == "paid"
    everything = csv_rows((await client.get("/admin/orders.csv", headers=staff)).text)
    assert len(everything) == 3


# What the API tells /docs


async def test_the_back_office_api_is_in_the_openapi_schema_behind_a_staff_token(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()
    for path in (
        "/admin/dashboard",
        "/admin/orders",
        "/admin/orders.csv",
        "/admin/orders/{order_id}",
        "/admin/mail",
        "/admin/mail/{mail_id}",
    ):
        operation = schema["paths"][path]["get"]
        assert operation["security"] == [{"StaffToken": []}], path
    assert "/admin/auth/token" in schema["paths"]
    staff_scheme = schema["components"]["securitySchemes"]["StaffToken"]
    assert staff_scheme["flows"]["password"]["tokenUrl"] == "admin/auth/token"


async def test_the_export_in_small_chunks_is_the_export_in_one(
    client: httpx.AsyncClient, database: Database
) -> None:
    """Chunks follow one another by (placed at, id), ties included: no order twice, none lost."""
    placed = [await checked_out(client, (KEYBOARD, 1), (PRODUCT_5, 1)) for _ in range(7)]

    async def same_time(tx: Tx) -> None:
        await tx.execute(update(Order).values(created_at=utcnow().replace(microsecond=0)))

    await database.write(same_time)

    async def exported(orders_per_chunk: int) -> list[bytes]:
        found = OrderFilter()
        return [
            piece async for piece in orders_csv(database, found, orders_per_chunk=orders_per_chunk)
        ]

    whole = await exported(100)
    pieces = await exported(2)
    assert len(pieces) == 1 + 4  # the header, then 2 + 2 + 2 + 1 orders
    assert b"".join(pieces) == b"".join(whole)
    rows = csv_rows(b"".join(pieces).decode())
    assert len(rows) == 14
    assert sorted({row["order_id"] for row in rows}) == sorted(o["order_id"] for o in placed)
