"""Sellers fulfil their own part of each paid order through the API (`/sellers/me/orders`):
only their lines, shipped through the same rule staff ship with; the order's fulfilment
status is derived over every line; the customer gets one shipped email per shipment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shopkeep.config import Settings
from shopkeep.db import Database, Tx
from shopkeep.mail.sender import MailSender
from shopkeep.orders.models import OrderLine
from tests.admin.helpers import staff_member, staff_token
from tests.compat.helpers import shopping_cart
from tests.helpers import new_product, signed_up
from tests.mail.conftest import mail_settings, smtp
from tests.mail.helpers import DETAILS, KEYBOARD, pay, placed
from tests.smtp import SmtpServer

__all__ = ["smtp"]

DHL = {"carrier": "DHL", "tracking_number": "JD0001", "tracking_url": "https://dhl.example/JD0001"}
POST = {"carrier": "Royal Mail", "tracking_number": "RM42"}


class Market:
    """Two sellers with a product each, staff, and a paid order holding both sellers' lines
    and one of the shop's own."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def open(self, database: Database) -> Market:
        self.alice_seller, self.alice = await signed_up(self.client, "alice")
        self.bob_seller, self.bob = await signed_up(self.client, "bob")
        self.lamp = (await new_product(self.client, self.alice, name="Lamp", price=12.5))["id"]
        self.mug = (await new_product(self.client, self.bob, name="Mug", price=7))["id"]
        await staff_member(database)
        self.staff = await staff_token(self.client)
        self.order_id = await self.paid_order((self.lamp, 2), (self.mug, 1), (KEYBOARD, 1))
        return self

    async def paid_order(self, *lines: tuple[int, int]) -> str:
        order = await placed(self.client, *lines)
        await pay(self.client, order)
        order_id: str = order["order_id"]
        return order_id

    async def fulfilment(self) -> str:
        status: str = (await self.client.get(f"/orders/{self.order_id}")).json()[
            "fulfilment_status"
        ]
        return status

    async def ship(self, headers: dict[str, str], **body: Any) -> httpx.Response:
        return await self.client.post(
            f"/sellers/me/orders/{self.order_id}/shipments", json={**DHL, **body}, headers=headers
        )

    async def deliver(self, headers: dict[str, str], shipment_id: int) -> httpx.Response:
        return await self.client.post(
            f"/sellers/me/orders/{self.order_id}/shipments/{shipment_id}/delivered",
            headers=headers,
        )


@pytest.fixture
async def market(client: httpx.AsyncClient, database: Database) -> Market:
    return await Market(client).open(database)


async def shipped_units(database: Database, order_id: str) -> dict[int, int]:
    async def read(tx: Tx) -> dict[int, int]:
        rows = await tx.execute(
            select(OrderLine.product_id, OrderLine.shipped_quantity).where(
                OrderLine.order_id == order_id
            )
        )
        return {row.product_id: row.shipped_quantity for row in rows}

    return await database.read(read)


async def test_each_seller_ships_their_part_and_the_status_follows_every_line(
    market: Market,
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    smtp: SmtpServer,
) -> None:
    listed = await client.get("/sellers/me/orders", headers=market.alice)
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert (page["total"], page["state"]) == (1, "to_ship")
    [order] = page["orders"]
    assert order["order_id"] == market.order_id
    assert [(line["product_id"], line["quantity"]) for line in order["lines"]] == [(market.lamp, 2)]
    assert order["name"] == DETAILS["name"] and order["note"] == DETAILS["note"]
    assert order["shipping_address"]["city"] == "London"
    assert "total" not in order and "payment_id" not in order and "email" not in order
    bobs = (await client.get(f"/sellers/me/orders/{market.order_id}", headers=market.bob)).json()
    assert [line["product_id"] for line in bobs["lines"]] == [market.mug]

    waiting = (await client.get("/admin/dashboard", headers=market.staff)).json()
    assert [(w["seller"], w["orders"]) for w in waiting["waiting_by_seller"]] == [
        ("alice", 1),
        ("bob", 1),
        (None, 1),
    ]

    alice_ship = await market.ship(market.alice)  # all of her remaining units
    assert alice_ship.status_code == 201, alice_ship.text
    assert [(u["product_id"], u["quantity"]) for u in alice_ship.json()["lines"]] == [
        (market.lamp, 2)
    ]
    assert await market.fulfilment() == "partially_shipped"
    alice_states = {
        state: (await client.get(f"/sellers/me/orders?state={state}", headers=market.alice)).json()[
            "total"
        ]
        for state in ("to_ship", "shipped", "all")
    }
    assert alice_states == {"to_ship": 0, "shipped": 1, "all": 1}
    waiting = (await client.get("/admin/dashboard", headers=market.staff)).json()
    assert [w["seller"] for w in waiting["waiting_by_seller"]] == ["bob", None]

    bob_ship = await market.ship(
        market.bob, **POST, lines=[{"product_id": market.mug, "quantity": 1}]
    )
    assert bob_ship.status_code == 201, bob_ship.text
    assert await market.fulfilment() == "partially_shipped"  # the shop's keyboard waits
    staff_ship = await client.post(
        f"/admin/orders/{market.order_id}/shipments", json=POST, headers=market.staff
    )
    assert staff_ship.status_code == 201, staff_ship.text
    assert [u["product_id"] for u in staff_ship.json()["lines"]] == [KEYBOARD]
    assert await market.fulfilment() == "shipped"

    assert (await market.deliver(market.alice, alice_ship.json()["id"])).status_code == 200
    assert (await market.deliver(market.bob, bob_ship.json()["id"])).status_code == 200
    assert await market.fulfilment() == "shipped"
    delivered = await client.post(
        f"/admin/orders/{market.order_id}/shipments/{staff_ship.json()['id']}/delivered",
        headers=market.staff,
    )
    assert delivered.status_code == 200, delivered.text
    assert await market.fulfilment() == "delivered"
    mine = (await client.get(f"/sellers/me/orders/{market.order_id}", headers=market.alice)).json()
    assert mine["fulfilment_status"] == "delivered"
    assert [s["id"] for s in mine["shipments"]] == [alice_ship.json()["id"]]
    history = (await client.get(f"/orders/{market.order_id}")).json()["history"]
    assert [e["actor"] for e in history if e["kind"] == "shipped"] == [
        "seller alice",
        "seller bob",
        "olivia",
    ]

    sender = MailSender(database, mail_settings(settings, smtp))
    await sender.worker.run_due()
    shipped = [
        received
        for received in smtp.inbox.to(DETAILS["email"])
        if "has shipped" in str(received.message["Subject"])
    ]
    assert sorted(str(r.message["Subject"]).rsplit(" ", 1)[-1] for r in shipped) == [
        "DHL",
        "Mail",
        "Mail",
    ]
    texts = {str(r.message["Subject"]): r.part("plain") for r in shipped}
    [dhl] = [text for subject, text in texts.items() if subject.endswith("DHL")]
    assert "Lamp" in dhl and "JD0001" in dhl and "Mug" not in dhl


async def test_a_seller_cannot_see_or_ship_what_is_not_theirs_and_nothing_changes(
    market: Market, client: httpx.AsyncClient, database: Database
) -> None:
    before = await shipped_units(database, market.order_id)
    for product_id in (market.mug, KEYBOARD):
        refused = await market.ship(market.alice, lines=[{"product_id": product_id, "quantity": 1}])
        assert refused.status_code == 403
        assert refused.json()["detail"] == (
            f"Product {product_id} on this order is not yours to ship: "
            "you can ship only your own lines."
        )
    too_many = await market.ship(market.alice, lines=[{"product_id": market.lamp, "quantity": 3}])
    assert too_many.status_code == 409
    assert too_many.json()["detail"] == "Only 2 of 'Lamp' remain to ship (asked to ship 3)."
    assert await shipped_units(database, market.order_id) == before

    # An order holding none of her lines, an unpaid one, and an id that names nothing: 404.
    bobs_only = await market.paid_order((market.mug, 1), (KEYBOARD, 1))
    unpaid = (await placed(client, (market.lamp, 1)))["order_id"]
    for order_id in (bobs_only, unpaid, "0" * 32, "not-an-order"):
        path = f"/sellers/me/orders/{order_id}"
        for answer in (
            await client.get(path, headers=market.alice),
            await client.post(f"{path}/shipments", json=DHL, headers=market.alice),
            await client.post(f"{path}/shipments/1/delivered", headers=market.alice),
        ):
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json()["detail"].startswith("Order not found")
    listed = (await client.get("/sellers/me/orders?state=all", headers=market.alice)).json()
    assert [o["order_id"] for o in listed["orders"]] == [market.order_id]

    # Bob's shipment, guessed by id, cannot be marked by Alice; nor one of another order.
    bob_ship = (await market.ship(market.bob)).json()
    theirs = await market.deliver(market.alice, bob_ship["id"])
    assert theirs.status_code == 403
    assert theirs.json()["detail"].startswith("This shipment holds lines that are not yours")
    elsewhere = await client.post(
        f"/sellers/me/orders/{bobs_only}/shipments/{bob_ship['id']}/delivered", headers=market.bob
    )
    assert elsewhere.status_code == 404
    view = (await client.get(f"/orders/{market.order_id}")).json()
    assert [s["status"] for s in view["shipments"]] == ["shipped"]

    # Staff's and carts' tokens, or none, do not open a seller's orders.
    _, cart = await shopping_cart(client)
    for headers in (market.staff, cart, {}):
        for answer in (
            await client.get("/sellers/me/orders", headers=headers),
            await client.post(
                f"/sellers/me/orders/{market.order_id}/shipments", json=DHL, headers=headers
            ),
        ):
            assert answer.status_code == 401
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert await shipped_units(database, market.order_id) == {
        **before,
        market.mug: 1,
    }


async def test_orders_come_newest_first_in_pages_and_sales_count_units_and_revenue(
    market: Market, client: httpx.AsyncClient
) -> None:
    newer = await market.paid_order((market.lamp, 1))
    pages = [
        (
            await client.get(
                f"/sellers/me/orders?state=all&page_size=1&page={page}", headers=market.alice
            )
        ).json()
        for page in (1, 2, 3)
    ]
    assert [page["total"] for page in pages] == [2, 2, 2]
    assert [[o["order_id"] for o in page["orders"]] for page in pages] == [
        [newer],
        [market.order_id],
        [],
    ]
    shipped = await client.get("/sellers/me/orders?state=shipped", headers=market.alice)
    assert shipped.json()["total"] == 0
    today = datetime.now(UTC).date().isoformat()
    report = await client.get(
        f"/sellers/me/sales?created_from={today}&created_to={today}", headers=market.alice
    )
    assert report.status_code == 200, report.text
    assert report.json()["products"] == [
        {
            "product_id": market.lamp,
            "name": "Lamp",
            "units_sold": 3,
            "units_refunded": 0,
            "units": 3,
            "revenue": 37.5,
        }
    ]
    backwards = await client.get(
        "/sellers/me/sales?created_from=2026-02-02&created_to=2026-02-01", headers=market.alice
    )
    assert backwards.status_code == 422
