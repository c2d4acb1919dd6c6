"""A seller's products: creating, editing and deleting them.

The owner always comes from the access token, never from the request. Products without a
seller are the store's own catalog, which no seller may change. Deleting a product takes it out
of the catalog but keeps its row: carts show it as unavailable and orders keep their lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import insert, select, update

from shopkeep.catalog.models import Category, Product
from shopkeep.catalog.service import ProductNotFound, get_product
from shopkeep.db import MAX_ID, Tx, utcnow
from shopkeep.errors import BadRequest, Forbidden
from shopkeep.inventory import service as inventory
from shopkeep.sellers.models import Seller

EDITABLE = frozenset(
    {"name", "description", "brand", "category_id", "price_cents", "stock", "image_url"}
)


class StoreProduct(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "This product belongs to the store's own catalog; sellers cannot change it"
        )


class AnotherSellersProduct(Forbidden):
    def __init__(self) -> None:
        super().__init__("This product belongs to another seller")


class UnknownCategory(BadRequest):
    def __init__(self, category_id: int) -> None:
        super().__init__(f"Category {category_id} does not exist")


@dataclass(frozen=True, slots=True)
class NewProduct:
    """A validated product to create; price in cents."""

    name: str
    category_id: int
    price_cents: int
    stock: int = 0
    description: str = ""
    brand: str = ""
    image_url: str | None = None


async def create_product(tx: Tx, seller_id: int, product: NewProduct) -> dict[str, Any]:
    """Create a product owned by `seller_id`; returns it as `GET /products/{id}` shows it."""
    await _check_category(tx, product.category_id)
    product_id = await tx.scalar(
        insert(Product)
        .values(**asdict(product), seller_id=seller_id, rating_tenths=0)
        .returning(Product.id)
    )
    await inventory.initial_stock(tx, product_id, product.stock, await _actor(tx, seller_id))
    return await get_product(tx, product_id)


async def update_product(
    tx: Tx, seller_id: int, product_id: int, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Change the given columns (validated, price in cents) of one of the seller's products."""
    if unknown := set(changes) - EDITABLE:
        raise ValueError(f"not editable: {sorted(unknown)}")
    await _lock_own_product(tx, seller_id, product_id)
    if "category_id" in changes:
        await _check_category(tx, changes["category_id"])
    columns = {name: value for name, value in changes.items() if name != "stock"}
    if columns:
        await tx.execute(update(Product).where(Product.id == product_id).values(**columns))
    if "stock" in changes:
        actor = await _actor(tx, seller_id)
        await inventory.set_stock(tx, product_id, changes["stock"], actor, "Seller's new count")
    return await get_product(tx, product_id)


async def delete_product(tx: Tx, seller_id: int, product_id: int) -> None:
    """Take one of the seller's products out of the catalog, for good."""
    await _lock_own_product(tx, seller_id, product_id)
    await tx.execute(update(Product).where(Product.id == product_id).values(deleted_at=utcnow()))


async def get_own_product(tx: Tx, seller_id: int, product_id: int) -> dict[str, Any]:
    """One of the seller's products, as `GET /products/{id}` shows it (for a form to edit it);
    the same refusals as changing it."""
    await _check_owner(tx, seller_id, product_id, lock=False)
    return await get_product(tx, product_id)


async def _lock_own_product(tx: Tx, seller_id: int, product_id: int) -> None:
    """Raise unless the product is in the catalog and the seller's; on PostgreSQL, hold its row
    until commit, so that a concurrent checkout sees the change whole."""
    await _check_owner(tx, seller_id, product_id, lock=True)


async def _check_owner(tx: Tx, seller_id: int, product_id: int, *, lock: bool) -> None:
    if not 1 <= product_id <= MAX_ID:
        raise ProductNotFound()
    statement = select(Product.seller_id, Product.deleted_at).where(Product.id == product_id)
    row = (await tx.execute(statement.with_for_update() if lock else statement)).first()
    if row is None or row.deleted_at is not None:
        raise ProductNotFound()
    if row.seller_id is None:
        raise StoreProduct()
    if row.seller_id != seller_id:
        raise AnotherSellersProduct()


async def _actor(tx: Tx, seller_id: int) -> str:
    """How a stock movement names the seller."""
    username = await tx.scalar(select(Seller.username).where(Seller.id == seller_id))
    return inventory.seller_actor(username or str(seller_id))


async def _check_category(tx: Tx, category_id: int) -> None:
    if not 1 <= category_id <= MAX_ID:
        raise UnknownCategory(category_id)
    if await tx.scalar(select(Category.id).where(Category.id == category_id)) is None:
        raise UnknownCategory(category_id)
