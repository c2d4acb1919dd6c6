"""Response shapes of the catalog API, as documented in the OpenAPI schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shopkeep.db import MAX_ID
from shopkeep.money import MAX_AMOUNT
from shopkeep.numbers import checked

MAX_PAGE = 1_000_000
# Databases cannot store NUL characters, so text holding one is refused rather than searched.
NO_NUL = r"^[^\x00]*$"
FilterPrice = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT), checked(0, MAX_AMOUNT)]
FilterRating = Annotated[Decimal, Field(ge=0, le=5), checked(0, 5)]


class ProductFilters(BaseModel):
    """The query parameters of `GET /products`."""

    model_config = ConfigDict(extra="ignore")

    category_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    brand: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=NO_NUL,
        description="Brand, compared case-insensitively.",
    )
    min_price: FilterPrice | None = Field(default=None, description="Inclusive.")
    max_price: FilterPrice | None = Field(default=None, description="Inclusive.")
    min_rating: FilterRating | None = None
    in_stock: bool = Field(default=False, description="Only products with stock > 0.")
    search: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=NO_NUL,
        description="Case-insensitive substring of the name or the description.",
    )
    sort_by: Literal["id", "price", "rating", "name"] = "id"
    order: Literal["asc", "desc"] = "asc"
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=10, ge=1, le=100)
    seller_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    min_stock: int | None = Field(default=None, ge=0, le=MAX_ID, description="Stock >= this.")


class CategoryOut(BaseModel):
    id: int
    name: str
    product_count: int


class ProductOut(BaseModel):
    id: int
    name: str
    description: str
    brand: str
    category_id: int
    price: float
    rating: float
    stock: int
    image_url: str
    seller_id: int | None


class ProductDetail(ProductOut):
    category: CategoryOut


class ProductPage(BaseModel):
    total: int
    page: int
    page_size: int
    products: list[ProductOut]
