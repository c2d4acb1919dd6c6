from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.db import Base


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Kept by database triggers (see the migrations), so the catalog's total is one row read.
    product_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CatalogState(Base):
    """One row whose `version` moves whenever a product is added, removed, or changes in a way
    that can change which filters it matches (stock aside). Counts of matching products are
    cached per version; database triggers (see the migrations) keep it current."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_cents >= 1", name="price_positive"),
        CheckConstraint("rating_tenths BETWEEN 0 AND 50", name="rating_range"),
        # Sort orders (SQLite appends the id to every index, so ties come in id order).
        Index(None, "category_id", "id"),
        Index(None, "category_id", "name"),
        Index(None, "category_id", "rating_tenths", "price_cents", "stock"),
        Index(None, "price_cents"),
        Index(None, "rating_tenths"),
        Index(None, "name"),
        Index(None, "stock"),
        Index(None, "seller_id"),
        Index(None, "category_id", "brand"),
        # Covering indexes: counting matches of the common filters reads only the index.
        Index(None, "category_id", "price_cents", "rating_tenths", "stock"),
        Index(None, "price_cents", "rating_tenths", "category_id", "stock"),
        Index(None, "rating_tenths", "price_cents", "category_id", "stock"),
        Index(None, "brand_key", "price_cents", "rating_tenths", "category_id", "stock"),
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
    image_url: Mapped[str | None] = mapped_column(String(500), default=None)
    seller_id: Mapped[int | None] = mapped_column(Integer, default=None)
