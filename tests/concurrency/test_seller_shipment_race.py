"""A seller and staff ship the same units at once, each in their own committed transaction:
the units ship once, in one shipment, and the loser is told so."""

from __future__ import annotations

import httpx

from shopkeep.accounts.service import SignedIn
from shopkeep.db import Database
from shopkeep.errors import BadRequest, Conflict
from shopkeep.fulfilment import read
from shopkeep.fulfilment import sellers as seller_orders
from shopkeep.fulfilment import service as fulfilment
from tests.concurrency.test_checkout_race import race
from tests.helpers import new_product, signed_up
from tests.mail.helpers import pay, placed

TRACKING = fulfilment.Tracking("DHL", "JD0001")


async def seller_ships(database: Database, seller: SignedIn, order_id: str) -> str:
    try:
        await database.write(seller_orders.ship, seller, order_id, None, TRACKING)
    except Conflict:
        return "refused"
    return "shipped"


async def staff_ships(database: Database, order_id: str, product_id: int) -> str:
    try:
        await database.write(
            fulfilment.add_shipment,
            order_id,
            [fulfilment.Units(product_id, 2)],
            TRACKING,
            actor="olivia",
        )
    except BadRequest:
        return "refused"
    return "shipped"


async def test_a_seller_and_staff_shipping_the_same_units_at_once_ship_them_once(
    client: httpx.AsyncClient, database: Database
) -> None:
    seller, headers = await signed_up(client, "alice")
    lamp = (await new_product(client, headers, name="Lamp"))["id"]
    orders = []
    for _ in range(3):
        order = await placed(client, (lamp, 2))
        await pay(client, order)
        orders.append(order["order_id"])
    alice = SignedIn(id=seller["id"], username="alice")

    for order_id in orders:
        outcomes = await race(
            seller_ships(database, alice, order_id), staff_ships(database, order_id, lamp)
        )
        assert sorted(outcomes) == ["refused", "shipped"]
        shipments = await database.read(read.shipments_of, order_id)
        assert [[(u["product_id"], u["quantity"]) for u in s["lines"]] for s in shipments] == [
            [(lamp, 2)]
        ]
        units = await database.read(fulfilment.order_lines, order_id)
        assert units[lamp].shipped_quantity == 2
