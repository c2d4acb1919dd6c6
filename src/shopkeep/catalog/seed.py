"""Loading the demo catalog, and large generated catalogs for benchmarks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import delete, exists, insert, select, text

from shopkeep.accounts.models import LoginAttempts
from shopkeep.carts.models import Cart, CartItem
from shopkeep.catalog.demo import CATEGORY_NAMES, DEMO_PRODUCTS, DemoProduct, generated_products
from shopkeep.catalog.models import CatalogChange, Category, Product
from shopkeep.db import Tx
from shopkeep.inventory import service as inventory
from shopkeep.inventory.models import StockMovement
from shopkeep.mail.models import OutboxMail
from shopkeep.orders.models import Order, OrderCustomer, OrderEvent, OrderLine
from shopkeep.payments.models import Payment, PaymentCancellation, PaymentEvent
from shopkeep.pricing.models import DiscountCode, DiscountUse, ShippingMethod
from shopkeep.pricing.service import ensure_demo_methods
from shopkeep.refunds.models import AppliedRefund, Refund
from shopkeep.sellers.models import Seller
from shopkeep.staff.models import Staff

BATCH_SIZE = 5_000


async def catalog_is_empty(tx: Tx) -> bool:
    return not await tx.scalar(select(exists().where(Product.id.is_not(None))))


async def reset_store(tx: Tx) -> None:
    """Remove every product (and its stock movements), cart, order, payment record, seller,
    staff member, shipping method and discount code: a clean shop."""
    for model in (
        StockMovement,
        PaymentEvent,
        OutboxMail,
        OrderCustomer,
        Payment,
        PaymentCancellation,
        Refund,
        AppliedRefund,
        DiscountUse,
        DiscountCode,
        ShippingMethod,
        OrderEvent,
        OrderLine,
        Order,
        CartItem,
        Cart,
        Product,
        Category,
        LoginAttempts,
        Seller,
        Staff,
    ):
        await tx.execute(delete(model))


async def ensure_categories(tx: Tx) -> None:
    existing = set((await tx.execute(select(Category.id))).scalars())
    missing = [
        {"id": category_id, "name": name}
        for category_id, name in enumerate(CATEGORY_NAMES, start=1)
        if category_id not in existing
    ]
    if missing:
        await tx.execute(insert(Category), missing)


async def insert_products(tx: Tx, first_id: int, products: list[DemoProduct]) -> None:
    rows: list[dict[str, Any]] = [
        {
            "id": product_id,
            "name": product.name,
            "description": product.description,
            "brand": product.brand,
            "category_id": product.category_id,
            "price_cents": product.price_cents,
            "rating_tenths": product.rating_tenths,
            "stock": product.stock,
        }
        for product_id, product in enumerate(products, start=first_id)
    ]
    await tx.execute(insert(Product), rows)
    # Their first stock, as movements: Σ movements = stock from the start.
    await inventory.initial_stock_of_range(tx, first_id, first_id + len(rows) - 1)


async def sync_product_ids(tx: Tx) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequence past them."""
    if tx.dialect == "postgresql":
        await tx.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('products', 'id'), "
                "COALESCE((SELECT max(id) FROM products), 0) + 1, false)"
            )
        )


async def load_demo_catalog_if_empty(tx: Tx) -> int:
    """The demo catalog into an empty catalog, in one transaction; how many products were
    loaded. Processes starting together on one new database load it once: SQLite runs one
    writer at a time, and on PostgreSQL a transaction-scoped advisory lock makes the others
    wait, then find the catalog loaded."""
    if tx.dialect == "postgresql":
        await tx.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DEMO_LOAD_LOCK})
    if not await catalog_is_empty(tx):
        return 0
    await ensure_categories(tx)
    await ensure_demo_methods(tx)
    await insert_products(tx, 1, list(DEMO_PRODUCTS))
    await sync_product_ids(tx)
    return len(DEMO_PRODUCTS)


# An arbitrary constant key of PostgreSQL's advisory locks, for loading the demo catalog.
DEMO_LOAD_LOCK = 0x5E0D_CA7A


async def forget_catalog_changes(tx: Tx) -> None:
    """Empty the catalog's change log after a bulk load: it would only be read product by
    product, and indexes built before the load see the gap and are built afresh."""
    await tx.execute(delete(CatalogChange))


async def analyze(tx: Tx) -> None:
    """Refresh the query planner's statistics after a bulk load."""
    await tx.execute(text("ANALYZE"))


def catalog(total: int) -> Iterator[DemoProduct]:
    """The demo catalog, then generated products up to `total` in all."""
    yield from DEMO_PRODUCTS
    yield from generated_products(max(0, total - len(DEMO_PRODUCTS)))


def batches(products: Iterable[DemoProduct], size: int = BATCH_SIZE) -> Iterator[list[DemoProduct]]:
    iterator = iter(products)
    while batch := list(islice(iterator, size)):
        yield batch
