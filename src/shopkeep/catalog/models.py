from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base, UTCDateTime


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Kept by database triggers (see the migrations), so the catalog's total is one row read.
    product_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CatalogState(Base):
    """One row whose `version` moves whenever a product or a category is added, removed or
    changed in any column (stock included). Responses, counts and the in-memory index are kept
    per version; database triggers (see the migrations) keep it current."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class CatalogChange(Base):
    """One row per move of the catalog version, written by the same triggers: which product
    the move was for (None: a category). Readers that hold catalog data as of some version
    re-read only the products changed since; old rows may be pruned."""

    __tablename__ = "catalog_changes"

    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    product_id: Mapped[int | None] = mapped_column(Integer, default=None)


# A product at or below this many units shows among the back office's low-stock products.
DEFAULT_LOW_STOCK_THRESHOLD = 5

# Deleted products stay in the table (carts and orders point at them) but leave the catalog:
# every catalog query says `deleted_at IS NULL`, and only such products are indexed.
LISTED = "deleted_at IS NULL"


def _sort_index(*columns: str) -> Index:
    """An index walked in order: its rows come in (columns, id) order, as pages are sorted."""
    return Index(None, *columns, sqlite_where=text(LISTED), postgresql_where=text(LISTED))


def _count_index(*columns: str) -> Index:
    """An index that counts matches alone. SQLite reads an index alone (covering) only when it
    holds every column the query names, so it also carries `deleted_at` (always NULL in it)."""
    return _sort_index(*columns, "deleted_at")


def _stocked(context: DefaultExecutionContext) -> bool:
    """`in_stock` of a row being inserted, from its stock."""
    row: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return bool(row.get("stock", 0) > 0)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_cents >= 1", name="price_positive"),
        CheckConstraint("rating_tenths BETWEEN 0 AND 50", name="rating_range"),
        # Sort orders (SQLite appends the id to every index, so ties come in id order).
        _count_index("category_id", "id"),
        _sort_index("category_id", "name"),
        _count_index("category_id", "rating_tenths", "price_cents", "in_stock"),
        _sort_index("price_cents"),
        _sort_index("rating_tenths"),
        _sort_index("name"),
        _count_index("in_stock"),
        _count_index("seller_id"),
        _count_index("category_id", "brand"),
        # Covering indexes: counting matches of the common filters reads only the index. They
        # carry `in_stock`, not `stock`: a sale then rarely touches them.
        _count_index("category_id", "price_cents", "rating_tenths", "in_stock"),
        _count_index("price_cents", "rating_tenths", "category_id", "in_stock"),
        _count_index("rating_tenths", "price_cents", "category_id", "in_stock"),
        _count_index("brand_key", "price_cents", "rating_tenths", "category_id", "in_stock"),
        # Room in each page for the new versions of rows a sale rewrites (migration 0015).
        {"postgresql_with": {"fillfactor": 80}},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    brand: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # What brand filters compare (case-insensitively), kept by the database.
    brand_key: Mapped[str] = mapped_column(String(200), Computed("lower(brand)", persisted=True))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    price_cents: Mapped[int] = mapped_column(BigInteger)
    rating_tenths: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stock: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # stock > 0, kept by the database (see migration 0014) whatever writes the row; inserts
    # give it right from the start, which saves the database its correction.
    in_stock: Mapped[bool] = mapped_column(Boolean, default=_stocked, server_default=false())
    image_url: Mapped[str | None] = mapped_column(String(500), default=None)
    # None: the store's own catalog; otherwise the seller who manages the product.
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    low_stock_threshold: Mapped[int] = mapped_column(
        Integer,
        default=DEFAULT_LOW_STOCK_THRESHOLD,
        server_default=str(DEFAULT_LOW_STOCK_THRESHOLD),
    )
