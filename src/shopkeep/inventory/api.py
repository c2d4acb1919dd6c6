"""The back office's products API under `/admin/products` (staff bearer token); the pages at
`/admin/products` on the storefront call the same services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from shopkeep.deps import DatabaseDep
from shopkeep.errors import error_responses
from shopkeep.http import JSON
from shopkeep.inventory import products
from shopkeep.inventory.schemas import (
    MovementPage,
    MovementQuery,
    ProductChanges,
    ProductPage,
    ProductQuery,
    StaffProduct,
    StockChange,
)
from shopkeep.staff.deps import CurrentStaff, staff_router

router = staff_router("/admin/products")


@router.get("", response_model=ProductPage)
async def list_products(database: DatabaseDep, query: Annotated[ProductQuery, Query()]) -> Response:
    """Every seller's and the shop's own products with their stock, in id order; with
    `low_stock`, those at or below their threshold, lowest stock first."""
    return JSON(
        await database.read(
            products.list_products,
            low_stock=query.low_stock,
            page=query.page,
            page_size=query.page_size,
        )
    )


@router.patch("/{product_id}", response_model=StaffProduct, responses=error_responses(400, 404))
async def change_product(database: DatabaseDep, product_id: int, body: ProductChanges) -> Response:
    """Set the low-stock threshold: at or below it, the product counts as running low."""
    return JSON(await database.write(products.set_threshold, product_id, body.low_stock_threshold))


@router.post(
    "/{product_id}/stock", response_model=StaffProduct, responses=error_responses(400, 404)
)
async def adjust_stock(
    database: DatabaseDep, staff: CurrentStaff, product_id: int, body: StockChange
) -> Response:
    """Add or take away units, with a reason; logged as an `adjust` movement by the staff
    member. Stock never goes below 0 (400, nothing changed)."""
    return JSON(
        await database.write(
            products.adjust_stock, product_id, body.change, body.reason, staff.username
        )
    )


@router.get("/{product_id}/movements", response_model=MovementPage, responses=error_responses(404))
async def list_movements(
    database: DatabaseDep, product_id: int, query: Annotated[MovementQuery, Query()]
) -> Response:
    """The product's stock movements, newest first, with their sum (= its stock)."""
    return JSON(
        await database.read(
            products.product_movements, product_id, page=query.page, page_size=query.page_size
        )
    )
