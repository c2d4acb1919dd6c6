"""The baseline: a naive in-memory store, as a careful but unoptimized interview solution.

At startup it loads every product into a list of dicts; each `GET /products` filters, sorts and
slices that list in Python. It also keeps carts in memory (never persisted) so that the harness's
checkout run can be exercised before the real store exists (`bench.run --target naive`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from bench.catalog import (
    Product,
    connect_readonly,
    database_path,
    load_categories,
    load_products,
)

products: list[Product] = []
products_by_id: dict[int, Product] = {}
categories: dict[int, dict[str, Any]] = {}
carts: dict[str, dict[int, int]] = {}


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    with closing(connect_readonly(database_path())) as conn:
        products[:] = load_products(conn)
        categories.update(load_categories(conn))
    products_by_id.update((product["id"], product) for product in products)
    yield


app = FastAPI(title="Shopkeep bench: naive in-memory store", lifespan=lifespan)


def sort_key(sort_by: str | None) -> Any:
    if sort_by == "name":
        return lambda product: product["name"].lower()
    if sort_by in ("price", "rating"):
        return lambda product: product[sort_by]
    return lambda product: product["id"]


@app.get("/products")
async def list_products(
    category_id: int | None = None,
    brand: str | None = None,
    min_price: Annotated[float | None, Query(ge=0)] = None,
    max_price: Annotated[float | None, Query(ge=0)] = None,
    min_rating: Annotated[float | None, Query(ge=0, le=5)] = None,
    in_stock: bool | None = None,
    search: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    sort_by: Literal["price", "rating", "name"] | None = None,
    order: Literal["asc", "desc"] = "asc",
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 10,
    seller_id: int | None = None,
    min_stock: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    # Each filter given narrows the list in turn, as a straightforward in-memory store would.
    found = products
    if category_id is not None:
        found = [p for p in found if p["category_id"] == category_id]
    if brand is not None:
        wanted = brand.lower()
        found = [p for p in found if p["brand"].lower() == wanted]
    if min_price is not None:
        found = [p for p in found if p["price"] >= min_price]
    if max_price is not None:
        found = [p for p in found if p["price"] <= max_price]
    if min_rating is not None:
        found = [p for p in found if p["rating"] >= min_rating]
    if in_stock:
        found = [p for p in found if p["stock"] > 0]
    if seller_id is not None:
        found = [p for p in found if p["seller_id"] == seller_id]
    if min_stock is not None:
        found = [p for p in found if p["stock"] >= min_stock]
    if search is not None:
        needle = search.lower()
        found = [
            p for p in found if needle in p["name"].lower() or needle in p["description"].lower()
        ]
    if sort_by is not None or order == "desc":
        found = sorted(found, key=sort_key(sort_by), reverse=order == "desc")
    start = (page - 1) * page_size
    return {
        "total": len(found),
        "page": page,
        "page_size": page_size,
        "products": found[start : start + page_size],
    }


@app.get("/products/{product_id}")
async def get_product(product_id: int) -> dict[str, Any]:
    product = products_by_id.get(product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="Product not found")
    return {**product, "category": categories.get(product["category_id"])}


class CartItemIn(BaseModel):
    product_id: int
    quantity: int = Field(default=1, ge=1, le=1000)


@app.post("/cart")
async def create_cart() -> dict[str, str]:
    cart_id = uuid.uuid4().hex
    carts[cart_id] = {}
    return {"cart_id": cart_id}


def find_cart(cart_id: str) -> dict[int, int]:
    cart = carts.get(cart_id)
    if cart is None:
        raise HTTPException(status_code=404, detail="Cart not found")
    return cart


@app.post("/cart/{cart_id}/items")
async def add_item(cart_id: str, item: CartItemIn) -> dict[str, Any]:
    cart = find_cart(cart_id)
    product = products_by_id.get(item.product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="Product not found")
    quantity = cart.get(item.product_id, 0) + item.quantity
    if quantity > product["stock"]:
        raise HTTPException(400, f"Not enough stock (available: {product['stock']})")
    cart[item.product_id] = quantity
    return {"cart_id": cart_id, "product_id": item.product_id, "quantity": quantity}


@app.post("/cart/{cart_id}/checkout")
async def checkout(cart_id: str) -> dict[str, Any]:
    cart = find_cart(cart_id)
    if not cart:
        raise HTTPException(status_code=400, detail="Cart is empty")
    lines = [(products_by_id[product_id], quantity) for product_id, quantity in cart.items()]
    for product, quantity in lines:
        if quantity > product["stock"]:
            detail = (
                f"Not enough stock for '{product['name']}' "
                f"(requested {quantity}, available {product['stock']})"
            )
            raise HTTPException(status_code=400, detail=detail)
    for product, quantity in lines:
        product["stock"] -= quantity
    total_cents = sum(round(product["price"] * 100) * quantity for product, quantity in lines)
    del carts[cart_id]
    return {
        "order_id": uuid.uuid4().hex,
        "total": total_cents / 100,
        "message": "Send order_id and total to the payments backend to complete purchase.",
    }
