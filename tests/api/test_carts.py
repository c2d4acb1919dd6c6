"""Cart API (SPEC §3.2): creating, reading, adding to, changing and deleting carts."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.db import Database
from tests.invariants import set_product

HEX_32 = re.compile(r"[0-9a-f]{32}")
UNKNOWN_CART = "0" * 32
LINE_FIELDS = ("product_id", "name", "price", "quantity", "line_total")
# Prices 89.99, 18.99 and 329.99 with stock 75, 200 and 4; the watch is sold out.
KEYBOARD, TSHIRT, MONITOR, WATCH = 3, 11, 6, 7


async def new_cart(client: httpx.AsyncClient) -> str:
    response = await client.post("/cart")
    assert response.status_code == 200, response.text
    cart_id: str = response.json()["cart_id"]
    return cart_id


async def add(
    client: httpx.AsyncClient, cart_id: str, product_id: int, quantity: int | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"product_id": product_id}
    if quantity is not None:
        body["quantity"] = quantity
    return await client.post(f"/cart/{cart_id}/items", json=body)


async def cart(client: httpx.AsyncClient, cart_id: str) -> dict[str, Any]:
    """The cart with amounts parsed as exact Decimals."""
    response = await client.get(f"/cart/{cart_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = json.loads(response.text, parse_float=Decimal)
    return body


def quantities(body: dict[str, Any]) -> dict[int, int]:
    return {item["product_id"]: item["quantity"] for item in body["items"]}


async def product_stock(client: httpx.AsyncClient, product_id: int) -> int:
    stock: int = (await client.get(f"/products/{product_id}")).json()["stock"]
    return stock


# --- creating and reading -----------------------------------------------------------------------


async def test_new_carts_have_distinct_32_lowercase_hex_ids(client: httpx.AsyncClient) -> None:
    first, second = await new_cart(client), await new_cart(client)

    assert HEX_32.fullmatch(first), first
    assert HEX_32.fullmatch(second), second
    assert first != second


async def test_new_cart_is_empty_with_total_zero(client: httpx.AsyncClient) -> None:
    cart_id = await new_cart(client)

    assert await cart(client, cart_id) == {"cart_id": cart_id, "items": [], "total": 0}


async def test_cart_shows_each_line_with_price_quantity_and_line_total(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 3)
    await add(client, cart_id, TSHIRT, 2)

    body = await cart(client, cart_id)

    assert body["cart_id"] == cart_id
    lines = {item["product_id"]: {key: item[key] for key in LINE_FIELDS} for item in body["items"]}
    assert lines == {
        KEYBOARD: {
            "product_id": KEYBOARD,
            "name": "Mechanical Keyboard",
            "price": Decimal("89.99"),
            "quantity": 3,
            "line_total": Decimal("269.97"),
        },
        TSHIRT: {
            "product_id": TSHIRT,
            "name": DEMO_PRODUCTS[TSHIRT - 1].name,
            "price": Decimal("18.99"),
            "quantity": 2,
            "line_total": Decimal("37.98"),
        },
    }
    assert body["total"] == Decimal("307.95")


async def test_cart_shows_current_prices_not_the_price_when_added(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 3)

    await database.write(set_product, KEYBOARD, price_cents=123)

    body = await cart(client, cart_id)
    assert body["items"][0]["price"] == Decimal("1.23")
    assert body["items"][0]["line_total"] == Decimal("3.69")
    assert body["total"] == Decimal("3.69")


async def test_three_times_19_99_totals_exactly_59_97(
    client: httpx.AsyncClient, database: Database
) -> None:
    await database.write(set_product, KEYBOARD, price_cents=1999)
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 3)

    response = await client.get(f"/cart/{cart_id}")

    assert '"total":59.97' in response.text.replace(" ", "")
    assert '"line_total":59.97' in response.text.replace(" ", "")


async def test_unknown_cart_is_404_cart_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/cart/{UNKNOWN_CART}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Cart not found"}


# --- adding ---------------------------------------------------------------------------------------


async def test_add_item_answers_the_line_and_defaults_to_one_unit(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await new_cart(client)

    response = await add(client, cart_id, KEYBOARD)

    assert response.status_code == 200
    assert response.json() == {"cart_id": cart_id, "product_id": KEYBOARD, "quantity": 1}
    assert quantities(await cart(client, cart_id)) == {KEYBOARD: 1}


async def test_adding_the_same_product_again_adds_up(client: httpx.AsyncClient) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 2)

    response = await add(client, cart_id, KEYBOARD, 3)

    assert response.json() == {"cart_id": cart_id, "product_id": KEYBOARD, "quantity": 5}
    assert quantities(await cart(client, cart_id)) == {KEYBOARD: 5}


async def test_adding_to_one_cart_leaves_other_carts_alone(client: httpx.AsyncClient) -> None:
    mine, theirs = await new_cart(client), await new_cart(client)
    await add(client, theirs, TSHIRT, 4)

    await add(client, mine, KEYBOARD, 2)

    assert quantities(await cart(client, mine)) == {KEYBOARD: 2}
    assert quantities(await cart(client, theirs)) == {TSHIRT: 4}


async def test_adding_checks_stock_but_reserves_nothing(client: httpx.AsyncClient) -> None:
    first, second = await new_cart(client), await new_cart(client)

    assert (await add(client, first, MONITOR, 4)).status_code == 200
    assert (await add(client, second, MONITOR, 4)).status_code == 200
    assert await product_stock(client, MONITOR) == 4


async def test_add_to_unknown_cart_is_404_cart_not_found(client: httpx.AsyncClient) -> None:
    response = await add(client, UNKNOWN_CART, KEYBOARD, 1)

    assert response.status_code == 404
    assert response.json() == {"detail": "Cart not found"}


@pytest.mark.parametrize("product_id", [0, -3, 49, 999_999])
async def test_add_unknown_product_is_404_product_not_found(
    client: httpx.AsyncClient, product_id: int
) -> None:
    cart_id = await new_cart(client)

    response = await add(client, cart_id, product_id, 1)

    assert response.status_code == 404
    assert response.json() == {"detail": "Product not found"}
    assert (await cart(client, cart_id))["items"] == []


@pytest.mark.parametrize("quantity", [0, -1, -1000])
async def test_add_quantity_below_one_is_400(client: httpx.AsyncClient, quantity: int) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 2)

    response = await add(client, cart_id, KEYBOARD, quantity)

    assert response.status_code == 400
    assert response.json() == {"detail": "Quantity must be at least 1"}
    assert quantities(await cart(client, cart_id)) == {KEYBOARD: 2}


async def test_add_more_than_the_stock_is_400_naming_the_available_units(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await new_cart(client)

    response = await add(client, cart_id, MONITOR, 5)

    assert response.status_code == 400
    assert response.json() == {"detail": "Not enough stock (available: 4)"}
    assert (await cart(client, cart_id))["items"] == []


async def test_adding_up_past_the_stock_is_400_and_keeps_the_line(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, MONITOR, 3)

    response = await add(client, cart_id, MONITOR, 2)

    assert response.status_code == 400
    assert response.json() == {"detail": "Not enough stock (available: 4)"}
    assert quantities(await cart(client, cart_id)) == {MONITOR: 3}


async def test_add_a_sold_out_product_is_400_available_0(client: httpx.AsyncClient) -> None:
    cart_id = await new_cart(client)

    response = await add(client, cart_id, WATCH, 1)

    assert response.status_code == 400
    assert response.json() == {"detail": "Not enough stock (available: 0)"}


async def test_add_up_to_the_whole_stock_is_accepted(client: httpx.AsyncClient) -> None:
    cart_id = await new_cart(client)

    response = await add(client, cart_id, MONITOR, 4)

    assert response.status_code == 200
    assert response.json()["quantity"] == 4


async def test_add_quantity_of_1000_is_accepted_and_1001_is_400(
    client: httpx.AsyncClient, database: Database
) -> None:
    await database.write(set_product, KEYBOARD, stock=5000)
    cart_id = await new_cart(client)

    too_many = await add(client, cart_id, KEYBOARD, 1001)
    assert too_many.status_code == 400
    assert too_many.json()["detail"]
    assert (await cart(client, cart_id))["items"] == []

    assert (await add(client, cart_id, KEYBOARD, 1000)).status_code == 200


async def test_adding_up_past_1000_units_of_a_line_is_400_and_keeps_the_line(
    client: httpx.AsyncClient, database: Database
) -> None:
    await database.write(set_product, KEYBOARD, stock=5000)
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 600)

    response = await add(client, cart_id, KEYBOARD, 600)

    assert response.status_code == 400
    assert response.json()["detail"]
    assert quantities(await cart(client, cart_id)) == {KEYBOARD: 600}


# --- changing quantities --------------------------------------------------------------------------


async def test_patch_sets_the_quantity_and_returns_the_cart(client: httpx.AsyncClient) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 2)
    await add(client, cart_id, TSHIRT, 1)

    response = await client.patch(f"/cart/{cart_id}/items/{KEYBOARD}", json={"quantity": 5})

    assert response.status_code == 200
    returned = json.loads(response.text, parse_float=Decimal)
    assert returned == await cart(client, cart_id)
    assert quantities(returned) == {KEYBOARD: 5, TSHIRT: 1}
    assert returned["total"] == Decimal("89.99") * 5 + Decimal("18.99")


async def test_patch_can_lower_the_quantity(client: httpx.AsyncClient) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 7)

    response = await client.patch(f"/cart/{cart_id}/items/{KEYBOARD}", json={"quantity": 1})

    assert quantities(response.json()) == {KEYBOARD: 1}


async def test_patch_to_zero_removes_the_line(client: httpx.AsyncClient) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 2)
    await add(client, cart_id, TSHIRT, 1)

    response = await client.patch(f"/cart/{cart_id}/items/{KEYBOARD}", json={"quantity": 0})

    assert response.status_code == 200
    assert quantities(response.json()) == {TSHIRT: 1}
    assert quantities(await cart(client, cart_id)) == {TSHIRT: 1}


async def test_patch_unknown_cart_is_404_cart_not_found(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/cart/{UNKNOWN_CART}/items/{KEYBOARD}", json={"quantity": 1})

    assert response.status_code == 404
    assert response.json() == {"detail": "Cart not found"}


@pytest.mark.parametrize("product_id", [TSHIRT, 999_999])
async def test_patch_a_product_not_in_the_cart_is_404_item_not_in_cart(
    client: httpx.AsyncClient, product_id: int
) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 1)

    response = await client.patch(f"/cart/{cart_id}/items/{product_id}", json={"quantity": 2})

    assert response.status_code == 404
    assert response.json() == {"detail": "Item not in cart"}
    assert quantities(await cart(client, cart_id)) == {KEYBOARD: 1}


async def test_patch_more_than_the_stock_is_400_and_keeps_the_line(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, MONITOR, 2)

    response = await client.patch(f"/cart/{cart_id}/items/{MONITOR}", json={"quantity": 5})

    assert response.status_code == 400
    assert response.json() == {"detail": "Not enough stock (available: 4)"}
    assert quantities(await cart(client, cart_id)) == {MONITOR: 2}


@pytest.mark.parametrize("quantity", [-1, -500, 1001])
async def test_patch_quantity_outside_0_to_1000_is_400_and_keeps_the_line(
    client: httpx.AsyncClient, database: Database, quantity: int
) -> None:
    await database.write(set_product, KEYBOARD, stock=5000)
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 2)

    response = await client.patch(f"/cart/{cart_id}/items/{KEYBOARD}", json={"quantity": quantity})

    assert response.status_code == 400
    assert response.json()["detail"]
    assert quantities(await cart(client, cart_id)) == {KEYBOARD: 2}


# --- removing -------------------------------------------------------------------------------------


async def test_delete_item_removes_the_line_and_names_it(client: httpx.AsyncClient) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 2)
    await add(client, cart_id, TSHIRT, 1)

    response = await client.delete(f"/cart/{cart_id}/items/{KEYBOARD}")

    assert response.status_code == 200
    assert response.json() == {"cart_id": cart_id, "removed_product_id": KEYBOARD}
    assert quantities(await cart(client, cart_id)) == {TSHIRT: 1}


async def test_deleting_an_item_twice_is_404_item_not_in_cart(client: httpx.AsyncClient) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 2)
    await client.delete(f"/cart/{cart_id}/items/{KEYBOARD}")

    response = await client.delete(f"/cart/{cart_id}/items/{KEYBOARD}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Item not in cart"}


async def test_delete_item_of_unknown_cart_is_404_cart_not_found(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete(f"/cart/{UNKNOWN_CART}/items/{KEYBOARD}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Cart not found"}


async def test_delete_cart_is_204_and_the_cart_is_gone(client: httpx.AsyncClient) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 2)

    response = await client.delete(f"/cart/{cart_id}")

    assert response.status_code == 204
    assert response.content == b""
    gone = await client.get(f"/cart/{cart_id}")
    assert gone.status_code == 404
    assert gone.json() == {"detail": "Cart not found"}


async def test_a_deleted_cart_cannot_be_deleted_or_changed_again(
    client: httpx.AsyncClient,
) -> None:
    cart_id = await new_cart(client)
    await add(client, cart_id, KEYBOARD, 2)
    await client.delete(f"/cart/{cart_id}")

    for response in (
        await client.delete(f"/cart/{cart_id}"),
        await add(client, cart_id, KEYBOARD, 1),
        await client.patch(f"/cart/{cart_id}/items/{KEYBOARD}", json={"quantity": 1}),
        await client.delete(f"/cart/{cart_id}/items/{KEYBOARD}"),
        await client.post(f"/cart/{cart_id}/checkout"),
    ):
        assert response.status_code == 404, response.request.url
        assert response.json() == {"detail": "Cart not found"}


async def test_delete_unknown_cart_is_404_cart_not_found(client: httpx.AsyncClient) -> None:
    response = await client.delete(f"/cart/{UNKNOWN_CART}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Cart not found"}
