"""Request and response shapes of the back office's products API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shopkeep.catalog.schemas import MAX_PAGE
from shopkeep.inventory.products import MAX_THRESHOLD
from shopkeep.inventory.service import MAX_REASON, MAX_STOCK


class ProductQuery(BaseModel):
    low_stock: bool = Field(
        default=False, description="Only products at or below their low-stock threshold."
    )
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=20, ge=1, le=100)


class MovementQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=200)


class StaffProduct(BaseModel):
    id: int
    name: str
    stock: int
    low_stock_threshold: int
    low_stock: bool = Field(description="Stock at or below the low-stock threshold.")
    seller_id: int | None = Field(description="None: the shop's own product.")
    seller: str | None = Field(description="The seller's username.")


class ProductPage(BaseModel):
    total: int
    page: int
    page_size: int
    products: list[StaffProduct]


class StockChange(BaseModel):
    change: int = Field(
        ge=-MAX_STOCK, le=MAX_STOCK, description="Units to add (positive) or take away."
    )
    reason: str = Field(min_length=1, max_length=MAX_REASON, description="Why, for the log.")


class ProductChanges(BaseModel):
    low_stock_threshold: int = Field(ge=0, le=MAX_THRESHOLD)


class Movement(BaseModel):
    id: int
    type: Literal["reserve", "release", "restock", "adjust"]
    quantity: int = Field(description="Signed: units off the shelf are negative.")
    order_id: str | None
    actor: str = Field(description="system, customer, `staff:<username>` or `seller:<username>`.")
    reason: str
    at: str


class MovementPage(BaseModel):
    product: StaffProduct
    total: int
    sum: int = Field(description="Σ every movement's quantity: the product's stock.")
    page: int
    page_size: int
    movements: list[Movement] = Field(description="Newest first.")
