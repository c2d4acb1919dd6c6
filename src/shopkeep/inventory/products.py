"""The back office's products: every seller's and the shop's own, with stock, the low-stock
threshold, and a product's movements. Changes of stock go through `inventory.service`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select, update

from shopkeep.catalog.models import Product
from shopkeep.catalog.service import LISTED, ProductNotFound
from shopkeep.db import MAX_ID, Tx
from shopkeep.errors import BadRequest
from shopkeep.inventory import service
from shopkeep.sellers.models import Seller

MAX_THRESHOLD = 1_000_000
LOW: ColumnElement[bool] = Product.stock <= Product.low_stock_threshold


class BadThreshold(BadRequest):
    def __init__(self) -> None:
        super().__init__(f"The low-stock threshold is a whole number from 0 to {MAX_THRESHOLD:,}")


_COLUMNS = (
    Product.id,
    Product.name,
    Product.stock,
    Product.low_stock_threshold,
    Product.seller_id,
    Seller.username.label("seller"),
)


def _product_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "stock": row.stock,
        "low_stock_threshold": row.low_stock_threshold,
        "low_stock": row.stock <= row.low_stock_threshold,
        "seller_id": row.seller_id,
        "seller": row.seller,
    }


async def list_products(
    tx: Tx, *, low_stock: bool = False, page: int = 1, page_size: int = 20
) -> dict[str, Any]:
    """A page of the catalog's products in id order (of those at or below their low-stock
    threshold, lowest stock first), with how many there are in all."""
    where = [LISTED, LOW] if low_stock else [LISTED]
    order = (Product.stock, Product.id) if low_stock else (Product.id,)
    total = await tx.scalar(select(func.count()).select_from(Product).where(*where))
    rows = await tx.execute(
        select(*_COLUMNS)
        .outerjoin(Seller, Seller.id == Product.seller_id)
        .where(*where)
        .order_by(*order)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return {
        "total": int(total or 0),
        "page": page,
        "page_size": page_size,
        "products": [_product_json(row) for row in rows],
    }


async def get_product(tx: Tx, product_id: int) -> dict[str, Any]:
    """One product of the catalog as the back office lists it."""
    row = None
    if 1 <= product_id <= MAX_ID:
        row = (
            await tx.execute(
                select(*_COLUMNS)
                .outerjoin(Seller, Seller.id == Product.seller_id)
                .where(Product.id == product_id, LISTED)
            )
        ).first()
    if row is None:
        raise ProductNotFound()
    return _product_json(row)


async def adjust_stock(
    tx: Tx, product_id: int, change: int, reason: str, staff_username: str
) -> dict[str, Any]:
    """A staff member's change of stock, with its reason; the product afterwards."""
    await service.adjust(tx, product_id, change, reason, service.staff_actor(staff_username))
    return await get_product(tx, product_id)


async def set_threshold(tx: Tx, product_id: int, threshold: int) -> dict[str, Any]:
    """Set the stock at or below which the product counts as running low."""
    if not 0 <= threshold <= MAX_THRESHOLD:
        raise BadThreshold()
    await get_product(tx, product_id)
    await tx.execute(
        update(Product).where(Product.id == product_id).values(low_stock_threshold=threshold)
    )
    return await get_product(tx, product_id)


async def product_movements(
    tx: Tx, product_id: int, *, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """The product and its movements, newest first."""
    product = await get_product(tx, product_id)
    return {
        "product": product,
        **await service.movements(tx, product_id, page=page, page_size=page_size),
    }
