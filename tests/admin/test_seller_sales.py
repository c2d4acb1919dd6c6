"""A seller's sales report counts their lines of paid orders, net of refunded lines once the
provider has made the refund; a refund of an amount names no product and is not taken off."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from shopkeep.db import Database
from tests.admin.test_order_actions import (  # the same fixtures and helpers
    KEYBOARD,
    apps,
    paid,
    refund,
    sandbox,
    staff,
    store,
)
from tests.helpers import new_product, signed_up
from tests.inprocess import Apps, refunds_asked_for

__all__ = ["apps", "sandbox", "staff", "store"]


async def test_sales_are_net_of_refunded_lines_and_leave_out_other_sellers(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
) -> None:
    _, alice = await signed_up(store, "alice")
    _, bob = await signed_up(store, "bob")
    lamp = (await new_product(store, alice, name="Lamp", price=12.5))["id"]
    mug = (await new_product(store, bob, name="Mug", price=7))["id"]
    order_id, _ = await paid(store, sandbox, (lamp, 3), (mug, 1), (KEYBOARD, 1))
    other_id, _ = await paid(store, sandbox, (lamp, 1))
    by_lines = await refund(
        store, staff, order_id, "k1", lines=[{"product_id": lamp, "quantity": 1}]
    )
    assert by_lines.status_code == 201, by_lines.text
    by_amount = await refund(store, staff, other_id, "k2", amount=5)
    assert by_amount.status_code == 201, by_amount.text
    today = datetime.now(UTC).date().isoformat()
    days = f"created_from={today}&created_to={today}"

    asked = await store.get(f"/sellers/me/sales?{days}", headers=alice)
    assert asked.json()["products"][0]["units_refunded"] == 0  # not made yet
    assert await refunds_asked_for(apps, database) == 2
    report = (await store.get(f"/sellers/me/sales?{days}", headers=alice)).json()
    assert report["products"] == [
        {
            "product_id": lamp,
            "name": "Lamp",
            "units_sold": 4,
            "units_refunded": 1,
            "units": 3,
            "revenue": 37.5,
        }
    ]
    assert (report["units"], report["revenue"]) == (3, 37.5)
    bobs = (await store.get(f"/sellers/me/sales?{days}", headers=bob)).json()
    assert [(p["name"], p["units"]) for p in bobs["products"]] == [("Mug", 1)]
    earlier = (
        await store.get(
            "/sellers/me/sales?created_from=2020-01-01&created_to=2020-01-31", headers=alice
        )
    ).json()
    assert earlier["products"] == [] and earlier["revenue"] == 0
