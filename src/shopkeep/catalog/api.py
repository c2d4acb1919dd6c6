"""Catalog endpoints: categories, products, brands, related products and product images."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from shopkeep.catalog import service
from shopkeep.catalog.demo import product_image_svg
from shopkeep.catalog.schemas import CategoryOut, ProductDetail, ProductOut, ProductPage
from shopkeep.errors import error_responses
from shopkeep.http import JSON
from shopkeep.money import ceil_cents, floor_cents
from shopkeep.store.deps import MAX_ID, DatabaseDep

router = APIRouter(tags=["catalog"])

MAX_PRICE = Decimal(1_000_000_000)
MAX_PAGE = 1_000_000
ProductId = Annotated[int, Path(le=MAX_ID, description="The product's id.")]


@router.get("/categories", response_model=list[CategoryOut])
async def list_categories(database: DatabaseDep) -> Response:
    return JSON(await database.read(service.list_categories))


@router.get("/categories/{category_id}", response_model=CategoryOut, responses=error_responses(404))
async def get_category(
    database: DatabaseDep, category_id: Annotated[int, Path(le=MAX_ID)]
) -> Response:
    return JSON(await database.read(service.get_category, category_id))


@router.get("/products", response_model=ProductPage)
async def list_products(
    database: DatabaseDep,
    category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    brand: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    min_price: Annotated[Decimal | None, Query(ge=0, le=MAX_PRICE)] = None,
    max_price: Annotated[Decimal | None, Query(ge=0, le=MAX_PRICE)] = None,
    min_rating: Annotated[Decimal | None, Query(ge=0, le=5)] = None,
    in_stock: bool = False,
    search: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Case-insensitive substring of name or description.",
        ),
    ] = None,
    sort_by: Annotated[service.SortField, Query()] = "id",
    order: Annotated[service.SortOrder, Query()] = "asc",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 10,
    seller_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    min_stock: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> Response:
    query = service.ProductQuery(
        category_id=category_id,
        brand=brand,
        min_price_cents=ceil_cents(min_price) if min_price is not None else None,
        max_price_cents=floor_cents(max_price) if max_price is not None else None,
        min_rating_tenths=_ceil_tenths(min_rating) if min_rating is not None else None,
        in_stock=in_stock,
        min_stock=min_stock,
        seller_id=seller_id,
        search=search,
        sort_by=sort_by,
        order=order,
        page=page,
        page_size=page_size,
    )
    return JSON(await database.read(service.search_products, query))


@router.get("/products/{product_id}", response_model=ProductDetail, responses=error_responses(404))
async def get_product(database: DatabaseDep, product_id: ProductId) -> Response:
    return JSON(await database.read(service.get_product, product_id))


@router.get("/brands", response_model=list[str])
async def list_brands(
    database: DatabaseDep, category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> Response:
    return JSON(await database.read(service.list_brands, category_id))


@router.get(
    "/products/{product_id}/related",
    response_model=list[ProductOut],
    responses=error_responses(404),
)
async def related_products(
    database: DatabaseDep,
    product_id: ProductId,
    limit: Annotated[int, Query(ge=1, le=20)] = 4,
) -> Response:
    return JSON(await database.read(service.related_products, product_id, limit))


@router.get(
    "/images/products/{product_id}.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **error_responses(404)},
)
async def product_image(database: DatabaseDep, product_id: ProductId) -> Response:
    product = await database.read(service.get_product, product_id)
    return Response(
        product_image_svg(product["name"], product["category_id"]),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def _ceil_tenths(rating: Decimal) -> int:
    """Ratings are kept in tenths: `min_rating=4.05` means "4.1 or better"."""
    return int((rating * 10).to_integral_value(rounding=ROUND_CEILING))
