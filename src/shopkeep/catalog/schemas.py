"""Response shapes of the catalog API, as documented in the OpenAPI schema."""

from __future__ import annotations

from pydantic import BaseModel


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
