"""Translation between seed 002's shapes and the store's services, which hold every rule.

Functions taking a `Tx` first only chain existing services inside one transaction, so that an
answer shows what that transaction did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shopkeep.carts import service as carts
from shopkeep.carts.service import CartContents
from shopkeep.catalog.service import first_category_id
from shopkeep.db import Tx
from shopkeep.errors import BadRequest
from shopkeep.money import as_decimal, as_json_number, to_cents
from shopkeep.sellers import products
from shopkeep.store.compat.schemas import NewProduct


class NoCategory(BadRequest):
    def __init__(self) -> None:
        super().__init__("The store has no category to list the product in yet")


def api_product(product: Mapping[str, Any]) -> dict[str, Any]:
    """A catalog product (as `catalog.service.product_json` shapes it) in seed 002's shape."""
    return {
        "id": product["id"],
        "producer_id": product["seller_id"],
        "title": product["name"],
        "price": product["price"],
        "inventory_count": product["stock"],
    }


def api_producer(seller: Mapping[str, Any]) -> dict[str, Any]:
    """A seller (as `sellers.service.get_seller` shapes it) as seed 002's producer."""
    return {
        "id": seller["id"],
        "username": seller["username"],
        "product_count": seller["product_count"],
        "products": [api_product(product) for product in seller["products"]],
    }


def api_cart(cart: CartContents) -> dict[str, Any]:
    return {
        "id": cart.cart_id,
        "cached_price": as_json_number(cart.cached_total_cents),
        "shopping_cart_entries": [
            {
                "id": line.product_id,
                "shopping_cart_id": cart.cart_id,
                "quantity": line.quantity,
                "product_id": line.product_id,
                "product": {
                    "id": line.product_id,
                    "producer_id": line.seller_id,
                    "title": line.name,
                    "price": as_json_number(line.price_cents),
                    "inventory_count": line.stock,
                },
                "available": line.available,
            }
            for line in cart.lines
        ],
    }


def checkout_message(total_cents: int) -> str:
    """Seed 002's answer to a checkout, with the total in dollars and cents: `$59.97`."""
    return f"Products ordered, ${as_decimal(total_cents):.2f} spent"


async def create_product(tx: Tx, seller_id: int, body: NewProduct) -> dict[str, Any]:
    category_id = body.category_id or await first_category_id(tx)
    if category_id is None:
        raise NoCategory()
    price = body.unit_price
    assert price is not None  # NewProduct requires one
    product = products.NewProduct(
        name=body.title,
        category_id=category_id,
        price_cents=to_cents(price),
        stock=body.inventory_count,
    )
    return api_product(await products.create_product(tx, seller_id, product))


async def update_product(
    tx: Tx, seller_id: int, product_id: int, changes: Mapping[str, Any]
) -> dict[str, Any]:
    return api_product(await products.update_product(tx, seller_id, product_id, changes))


async def new_cart(tx: Tx) -> CartContents:
    return await carts.cart_contents(tx, await carts.create_cart(tx))


async def put_line(tx: Tx, cart_id: str, product_id: int, quantity: int) -> CartContents:
    await carts.put_item(tx, cart_id, product_id, quantity)
    return await carts.cart_contents(tx, cart_id)


async def refreshed_cart(tx: Tx, cart_id: str) -> CartContents:
    await carts.refresh_cached_total(tx, cart_id)
    return await carts.cart_contents(tx, cart_id)
