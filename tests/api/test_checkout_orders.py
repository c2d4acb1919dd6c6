"""Checkout and orders (SPEC §3.2, §4): stock reservation, price snapshots, re-checkout."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select, update

from shopkeep.carts.models import CartItem
from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.db import Database, Tx
from shopkeep.orders.models import Order, OrderLine
from tests import helpers
from tests.invariants import set_product

HEX_32 = re.compile(r"[0-9a-f]{32}")
CHECKOUT_MESSAGE = "Send order_id and total to the payments backend to complete purchase."
KEYBOARD, TSHIRT, MONITOR = 3, 11, 6  # prices 89.99, 18.99, 329.99; stock 75, 200, 4
ORDER_FIELDS = {"order_id", "cart_id", "items", "total", "status", "created_at"}
LINE_FIELDS = {"product_id", "name", "price", "quantity", "line_total"}


def decimal_json(response: httpx.Response) -> Any:
    return json.loads(response.text, parse_float=Decimal)


async def cart_with(client: httpx.AsyncClient, lines: dict[int, int]) -> str:
    return await helpers.cart_with(client, *lines.items())


async def checkout(client: httpx.AsyncClient, cart_id: str) -> dict[str, Any]:
    response = await client.post(f"/cart/{cart_id}/checkout")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = decimal_json(response)
    return body


async def order(client: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    response = await client.get(f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = decimal_json(response)
    return body


async def stocks(client: httpx.AsyncClient) -> dict[int, int]:
    products = (await client.get("/products", params={"page_size": 100})).json()["products"]
    return {p["id"]: p["stock"] for p in products}


async def set_cart_quantity(tx: Tx, cart_id: str, product_id: int, quantity: int) -> None:
    await tx.execute(
        update(CartItem)
        .where(CartItem.cart_id == cart_id, CartItem.product_id == product_id)
        .values(quantity=quantity)
    )


async def count_orders(tx: Tx) -> tuple[int, int]:
    orders = await tx.scalar(select(func.count()).select_from(Order))
    lines = await tx.scalar(select(func.count()).select_from(OrderLine))
    return int(orders), int(lines)


async def units_held(tx: Tx, product_id: int) -> int:
    """Units of a product in orders that hold stock (`pending_payment` or `paid`)."""
    held = await tx.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.product_id == product_id, Order.status.in_(["pending_payment", "paid"]))
    )
    return int(held)


# --- checkout -------------------------------------------------------------------------------------


async def test_checkout_answers_order_id_total_and_the_payment_message(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 2, TSHIRT: 3})

    response = await client.post(f"/cart/{cart_id}/checkout")

    assert response.status_code == 200
    body = decimal_json(response)
    assert HEX_32.fullmatch(body["order_id"]), body["order_id"]
    assert body["total"] == Decimal("89.99") * 2 + Decimal("18.99") * 3
    assert body["message"] == CHECKOUT_MESSAGE


async def test_checkout_takes_each_lines_units_off_the_shelf_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    before = await stocks(client)
    cart_id = await cart_with(client, {KEYBOARD: 2, TSHIRT: 3})

    await checkout(client, cart_id)

    after = await stocks(client)
    assert after[KEYBOARD] == before[KEYBOARD] - 2
    assert after[TSHIRT] == before[TSHIRT] - 3
    assert {k: v for k, v in after.items() if k not in (KEYBOARD, TSHIRT)} == {
        k: v for k, v in before.items() if k not in (KEYBOARD, TSHIRT)
    }


async def test_checkout_of_the_whole_stock_leaves_zero(client: httpx.AsyncClient) -> None:
    cart_id = await cart_with(client, {MONITOR: 4})

    await checkout(client, cart_id)

    assert (await stocks(client))[MONITOR] == 0


async def test_checkout_creates_a_pending_payment_order_with_the_cart_lines(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 2, TSHIRT: 3})
    placed = await checkout(client, cart_id)

    body = await order(client, placed["order_id"])

    assert set(body) >= ORDER_FIELDS
    assert body["order_id"] == placed["order_id"]
    assert body["cart_id"] == cart_id
    assert body["status"] == "pending_payment"
    assert body["total"] == placed["total"]
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    assert all(set(item) >= LINE_FIELDS for item in body["items"])
    assert sorted(
        ({key: item[key] for key in LINE_FIELDS} for item in body["items"]),
        key=lambda item: item["product_id"],
    ) == [
        {
            "product_id": KEYBOARD,
            "name": "Mechanical Keyboard",
            "price": Decimal("89.99"),
            "quantity": 2,
            "line_total": Decimal("179.98"),
        },
        {
            "product_id": TSHIRT,
            "name": DEMO_PRODUCTS[TSHIRT - 1].name,
            "price": Decimal("18.99"),
            "quantity": 3,
            "line_total": Decimal("56.97"),
        },
    ]
    assert body["total"] == Decimal("236.95")


async def test_order_keeps_the_price_and_name_paid_while_the_cart_shows_the_new_ones(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 2})
    placed = await checkout(client, cart_id)

    await database.write(set_product, KEYBOARD, price_cents=10000, name="Keyboard Mk II")

    kept = await order(client, placed["order_id"])
    assert kept["items"][0]["price"] == Decimal("89.99")
    assert kept["items"][0]["name"] == "Mechanical Keyboard"
    assert kept["items"][0]["line_total"] == Decimal("179.98")
    assert kept["total"] == Decimal("179.98")
    cart = decimal_json(await client.get(f"/cart/{cart_id}"))
    assert cart["items"][0]["price"] == Decimal("100")
    assert cart["items"][0]["name"] == "Keyboard Mk II"
    assert cart["total"] == Decimal("200")


async def test_checkout_of_an_unknown_cart_is_404_cart_not_found(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(f"/cart/{'0' * 32}/checkout")

    assert response.status_code == 404
    assert response.json() == {"detail": "Cart not found"}


async def test_checkout_of_an_empty_cart_is_400_and_creates_no_order(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart_id = await cart_with(client, {})

    response = await client.post(f"/cart/{cart_id}/checkout")

    assert response.status_code == 400
    assert response.json() == {"detail": "Cart is empty"}
    assert await database.read(count_orders) == (0, 0)


async def test_checkout_of_a_cart_emptied_by_removing_its_lines_is_400_cart_is_empty(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 1})
    await client.delete(f"/cart/{cart_id}/items/{KEYBOARD}")

    response = await client.post(f"/cart/{cart_id}/checkout")

    assert response.status_code == 400
    assert response.json() == {"detail": "Cart is empty"}


async def test_checkout_with_one_short_line_is_400_and_changes_no_stock(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 2, MONITOR: 3, TSHIRT: 1})
    await database.write(set_product, MONITOR, stock=2)  # sold elsewhere since it was added
    before = await stocks(client)

    response = await client.post(f"/cart/{cart_id}/checkout")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Not enough stock for '27-inch 4K Monitor' (requested 3, available 2)"
    }
    assert await stocks(client) == before
    assert await database.read(count_orders) == (0, 0)


async def test_checkout_after_a_failed_one_succeeds_once_the_cart_fits_the_stock(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 2, MONITOR: 3})
    await database.write(set_product, MONITOR, stock=2)
    assert (await client.post(f"/cart/{cart_id}/checkout")).status_code == 400

    await client.patch(f"/cart/{cart_id}/items/{MONITOR}", json={"quantity": 2})
    await checkout(client, cart_id)

    after = await stocks(client)
    assert (after[KEYBOARD], after[MONITOR]) == (73, 0)


# --- checking out the same cart again -------------------------------------------------------------


async def test_checking_out_again_replaces_the_pending_order(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 2})
    first = await checkout(client, cart_id)

    second = await checkout(client, cart_id)

    assert second["order_id"] != first["order_id"]
    assert (await order(client, first["order_id"]))["status"] == "cancelled"
    assert (await order(client, second["order_id"]))["status"] == "pending_payment"
    assert (await stocks(client))[KEYBOARD] == 73  # released, then reserved once more
    assert await database.read(units_held, KEYBOARD) == 2


async def test_checking_out_a_grown_cart_again_reserves_exactly_the_new_quantities(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 2, TSHIRT: 1})
    first = await checkout(client, cart_id)
    await client.post(f"/cart/{cart_id}/items", json={"product_id": KEYBOARD, "quantity": 3})
    await client.delete(f"/cart/{cart_id}/items/{TSHIRT}")

    second = await checkout(client, cart_id)

    after = await stocks(client)
    assert after[KEYBOARD] == 75 - 5
    assert after[TSHIRT] == 200
    assert second["total"] == Decimal("89.99") * 5
    assert (await order(client, first["order_id"]))["status"] == "cancelled"
    for product_id, initial in ((KEYBOARD, 75), (TSHIRT, 200)):
        assert after[product_id] + await database.read(units_held, product_id) == initial


async def test_checking_out_again_can_use_the_units_its_own_pending_order_held(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await cart_with(client, {MONITOR: 4})
    first = await checkout(client, cart_id)
    assert (await stocks(client))[MONITOR] == 0

    second = await checkout(client, cart_id)

    assert (await order(client, first["order_id"]))["status"] == "cancelled"
    assert (await order(client, second["order_id"]))["status"] == "pending_payment"
    assert (await stocks(client))[MONITOR] == 0


async def test_a_failed_re_checkout_leaves_the_pending_order_and_stock_untouched(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 2, MONITOR: 2})
    first = await checkout(client, cart_id)
    other = await cart_with(client, {MONITOR: 2})
    await checkout(client, other)  # the last two monitors
    await database.write(set_cart_quantity, cart_id, MONITOR, 3)
    before = await stocks(client)

    response = await client.post(f"/cart/{cart_id}/checkout")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Not enough stock for '27-inch 4K Monitor' (requested 3, available 2)"
    }
    assert (await order(client, first["order_id"]))["status"] == "pending_payment"
    assert await stocks(client) == before
    assert (before[KEYBOARD], before[MONITOR]) == (73, 0)


async def test_checkout_keeps_the_cart_open(client: httpx.AsyncClient) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 2})

    await checkout(client, cart_id)

    response = await client.get(f"/cart/{cart_id}")
    assert response.status_code == 200
    assert [(i["product_id"], i["quantity"]) for i in response.json()["items"]] == [(KEYBOARD, 2)]


# --- reading orders -------------------------------------------------------------------------------


async def test_unknown_order_is_404_order_not_found(client: httpx.AsyncClient) -> None:
    for order_id in ("0" * 32, "not-an-order"):
        response = await client.get(f"/orders/{order_id}")

        assert response.status_code == 404
        assert response.json() == {"detail": "Order not found"}


async def test_a_cart_id_is_not_an_order_id(client: httpx.AsyncClient) -> None:
    cart_id = await cart_with(client, {KEYBOARD: 1})
    await checkout(client, cart_id)

    response = await client.get(f"/orders/{cart_id}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Order not found"}


async def test_order_ids_are_distinct_32_hex_across_carts(client: httpx.AsyncClient) -> None:
    order_ids = set()
    for _ in range(3):
        cart_id = await cart_with(client, {TSHIRT: 1})
        order_ids.add((await checkout(client, cart_id))["order_id"])

    assert len(order_ids) == 3
    assert all(HEX_32.fullmatch(order_id) for order_id in order_ids)


async def test_a_checkout_without_a_body_answers_as_one_whose_body_is_null(
    client: httpx.AsyncClient,
) -> None:
    """Body-less checkouts are answered before FastAPI's layers; those with a body go through
    them: the two ways agree on orders, refusals and headers."""
    answers = []
    for send in (
        {},
        {"headers": {"Content-Length": "0"}},
        {"content": b"null", "headers": {"Content-Type": "application/json"}},
    ):
        cart_id = await cart_with(client, {KEYBOARD: 2})
        placed = await client.post(f"/cart/{cart_id}/checkout", **send)
        empty = await client.post(f"/cart/{await helpers.cart_with(client)}/checkout", **send)
        unknown = await client.post("/cart/" + "0" * 32 + "/checkout", **send)
        order = (await client.get(f"/orders/{placed.json()['order_id']}")).json()
        answers.append(
            [
                (placed.status_code, placed.headers["content-type"], placed.json()["total"]),
                (order["status"], order["cart_id"] == cart_id, len(order["items"])),
                (empty.status_code, empty.json()),
                (unknown.status_code, unknown.headers["content-type"], unknown.json()),
            ]
        )
    assert answers[0] == [
        (200, "application/json", 179.98),
        ("pending_payment", True, 1),
        (400, {"detail": "Cart is empty"}),
        (404, "application/json", {"detail": "Cart not found"}),
    ]
    assert answers[1] == answers[0]
    assert answers[2] == answers[0]
