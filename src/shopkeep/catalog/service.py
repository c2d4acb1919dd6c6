"""Catalog rules: listing, filtering, searching and reading products and categories."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    table,
)

from shopkeep.catalog.models import CatalogState, Category, Product
from shopkeep.db import AnySelect, Tx
from shopkeep.errors import NotFound
from shopkeep.money import as_json_number

SortField = Literal["id", "price", "rating", "name"]
SortOrder = Literal["asc", "desc"]

# The trigram index answers substrings of three characters or more; shorter ones are scanned.
MIN_INDEXED_SEARCH = 3

PRODUCT_COLUMNS = (
    Product.id,
    Product.name,
    Product.description,
    Product.brand,
    Product.category_id,
    Product.price_cents,
    Product.rating_tenths,
    Product.stock,
    Product.image_url,
    Product.seller_id,
)

_SORT_COLUMNS = {
    "id": Product.id,
    "price": Product.price_cents,
    "rating": Product.rating_tenths,
    "name": Product.name,
}


class CategoryNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Category not found")


class ProductNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Product not found")


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """A validated catalog query; amounts in cents and ratings in tenths."""

    category_id: int | None = None
    brand: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    min_rating_tenths: int | None = None
    in_stock: bool = False
    min_stock: int | None = None
    seller_id: int | None = None
    search: str | None = None
    sort_by: SortField = "id"
    order: SortOrder = "asc"
    page: int = 1
    page_size: int = 10


@dataclass(frozen=True, slots=True)
class _Shape:
    """Which filters a query uses: the key under which its statements are built once."""

    dialect: str
    category: bool
    brand: bool
    min_price: bool
    max_price: bool
    min_rating: bool
    in_stock: bool
    min_stock: bool
    seller: bool
    search: Literal["", "indexed", "scan"]
    sort_by: SortField
    order: SortOrder


def product_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "brand": row.brand,
        "category_id": row.category_id,
        "price": as_json_number(row.price_cents),
        "rating": row.rating_tenths / 10,
        "stock": row.stock,
        "image_url": row.image_url or f"/images/products/{row.id}.svg",
        "seller_id": row.seller_id,
    }


def category_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "product_count": row.product_count}


async def list_categories(tx: Tx) -> list[dict[str, Any]]:
    rows = await tx.execute(_categories_statement())
    return [category_json(row) for row in rows]


async def get_category(tx: Tx, category_id: int) -> dict[str, Any]:
    row = (await tx.execute(_category_statement(), {"id": category_id})).first()
    if row is None:
        raise CategoryNotFound()
    return category_json(row)


async def get_product(tx: Tx, product_id: int) -> dict[str, Any]:
    row = (await tx.execute(_product_statement(), {"id": product_id})).first()
    if row is None:
        raise ProductNotFound()
    product = product_json(row)
    product["category"] = {
        "id": row.category_id,
        "name": row.category_name,
        "product_count": row.category_product_count,
    }
    return product


async def list_brands(tx: Tx, category_id: int | None) -> list[str]:
    statement = select(Product.brand).where(Product.brand != "").distinct().order_by(Product.brand)
    if category_id is not None:
        statement = statement.where(Product.category_id == category_id)
    return list((await tx.execute(statement)).scalars())


async def related_products(tx: Tx, product_id: int, limit: int) -> list[dict[str, Any]]:
    category_id = await tx.scalar(select(Product.category_id).where(Product.id == product_id))
    if category_id is None:
        raise ProductNotFound()
    rows = await tx.execute(
        _related_statement(), {"category_id": category_id, "id": product_id, "limit": limit}
    )
    return [product_json(row) for row in rows]


class CountCache:
    """Exact match counts of recent queries, each valid for one catalog version.

    Counting many matches dominates a catalog query; the catalog version (kept by database
    triggers, read in the same statement as the page) says when a count may be reused.
    Queries filtering on stock are never cached: stock moves with every checkout.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[int, int]] = OrderedDict()

    def get(self, key: Hashable, version: int) -> int | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != version:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, version: int, count: int) -> None:
        self._entries[key] = (version, count)
        self._entries.move_to_end(key)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)


async def search_products(tx: Tx, query: ProductQuery) -> dict[str, Any]:
    """One page of products matching `query`, with the exact number of matches."""
    shape, params = _shape_and_params(tx.dialect, query)
    listing = _listing_statements(shape)
    offset = (query.page - 1) * query.page_size
    rows = (
        await tx.execute(listing.page, {**params, "limit": query.page_size, "offset": offset})
    ).all()
    if listing.total_in_page and rows:
        total = int(rows[0].total)
    elif offset == 0 and len(rows) < query.page_size:
        total = len(rows)  # the first page holds every match: no need to count
    else:
        total = await _count(
            tx, shape, params, listing.count, rows[0].catalog_version if rows else None
        )
    return {
        "total": total,
        "page": query.page,
        "page_size": query.page_size,
        "products": [product_json(row) for row in rows],
    }


async def _count(
    tx: Tx, shape: _Shape, params: dict[str, Any], statement: AnySelect, version: int | None
) -> int:
    cacheable = not (shape.in_stock or shape.min_stock)
    cache: CountCache = tx.memo.setdefault("catalog.counts", CountCache())
    key = (shape, tuple(sorted(params.items())))
    if cacheable and version is not None and (count := cache.get(key, version)) is not None:
        return count
    row = (await tx.execute(statement, params)).one()
    if cacheable:
        cache.put(key, row.catalog_version, row.total)
    return int(row.total)


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _shape_and_params(dialect: str, query: ProductQuery) -> tuple[_Shape, dict[str, Any]]:
    params: dict[str, Any] = {}
    search_mode: Literal["", "indexed", "scan"] = ""
    if query.search is not None:
        if dialect == "sqlite" and len(query.search) >= MIN_INDEXED_SEARCH:
            search_mode = "indexed"
            params["fts"] = '"' + query.search.replace('"', '""') + '"'
        else:
            search_mode = "scan"
            params["pattern"] = _like_pattern(query.search.lower())
    optional = {
        "category_id": query.category_id,
        "brand": query.brand.lower() if query.brand is not None else None,
        "min_price": query.min_price_cents,
        "max_price": query.max_price_cents,
        "min_rating": query.min_rating_tenths,
        "min_stock": query.min_stock,
        "seller_id": query.seller_id,
    }
    params.update({key: value for key, value in optional.items() if value is not None})
    shape = _Shape(
        dialect=dialect,
        category=query.category_id is not None,
        brand=query.brand is not None,
        min_price=query.min_price_cents is not None,
        max_price=query.max_price_cents is not None,
        min_rating=query.min_rating_tenths is not None,
        in_stock=query.in_stock,
        min_stock=query.min_stock is not None,
        seller=query.seller_id is not None,
        search=search_mode,
        sort_by=query.sort_by,
        order=query.order,
    )
    return shape, params


def _conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if shape.category:
        conditions.append(Product.category_id == bindparam("category_id"))
    if shape.brand:
        conditions.append(func.lower(Product.brand) == bindparam("brand"))
    if shape.min_price:
        conditions.append(Product.price_cents >= bindparam("min_price"))
    if shape.max_price:
        conditions.append(Product.price_cents <= bindparam("max_price"))
    if shape.min_rating:
        conditions.append(Product.rating_tenths >= bindparam("min_rating"))
    if shape.in_stock:
        conditions.append(Product.stock > 0)
    if shape.min_stock:
        conditions.append(Product.stock >= bindparam("min_stock"))
    if shape.seller:
        conditions.append(Product.seller_id == bindparam("seller_id"))
    if shape.search == "indexed":
        search_index = table("products_search")
        matches: AnySelect = (
            select(literal_column("rowid"))
            .select_from(search_index)
            .where(literal_column("products_search").op("MATCH")(bindparam("fts")))
        )
        conditions.append(Product.id.in_(matches))
    elif shape.search == "scan":
        pattern: BindParameter[str] = bindparam("pattern")
        conditions.append(
            or_(
                func.lower(Product.name).like(pattern, escape="\\"),
                func.lower(Product.description).like(pattern, escape="\\"),
            )
        )
    return conditions


@dataclass(frozen=True, slots=True)
class _Listing:
    page: AnySelect
    count: AnySelect
    # True when the total is precomputed (no filter, or only a category) and so cheap enough
    # to ride along with the page, saving a statement.
    total_in_page: bool


@cache
def _listing_statements(shape: _Shape) -> _Listing:
    conditions = _conditions(shape)
    sort_column = _SORT_COLUMNS[shape.sort_by]
    descending = shape.order == "desc"
    ordering = sort_column.desc() if descending else sort_column.asc()
    # Ties follow the sort's direction, so one index walk serves the whole ORDER BY.
    tie_breaker = Product.id.desc() if descending and shape.sort_by != "id" else Product.id.asc()
    version = select(CatalogState.version).where(CatalogState.id == 1).scalar_subquery()

    total: ColumnElement[Any]
    precomputed = True
    if not conditions:
        # Category rows carry their product counts (kept by triggers).
        total = select(func.coalesce(func.sum(Category.product_count), 0)).scalar_subquery()
    elif shape.category and len(conditions) == 1:
        total = (
            select(Category.product_count)
            .where(Category.id == bindparam("category_id"))
            .scalar_subquery()
        )
    else:
        precomputed = False
        total = select(func.count()).select_from(Product).where(*conditions).scalar_subquery()

    extra = [version.label("catalog_version")]
    if precomputed:
        extra.append(total.label("total"))
    page = (
        select(*PRODUCT_COLUMNS, *extra)
        .where(*conditions)
        .order_by(ordering, tie_breaker)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    count = select(total.label("total"), version.label("catalog_version"))
    return _Listing(page=page, count=count, total_in_page=precomputed)


@cache
def _categories_statement() -> AnySelect:
    return select(Category.id, Category.name, Category.product_count).order_by(Category.id)


@cache
def _category_statement() -> AnySelect:
    return _categories_statement().where(Category.id == bindparam("id"))


@cache
def _product_statement() -> AnySelect:
    return (
        select(
            *PRODUCT_COLUMNS,
            Category.name.label("category_name"),
            Category.product_count.label("category_product_count"),
        )
        .join(Category, Category.id == Product.category_id)
        .where(Product.id == bindparam("id"))
    )


@cache
def _related_statement() -> AnySelect:
    return (
        select(*PRODUCT_COLUMNS)
        .where(Product.category_id == bindparam("category_id"), Product.id != bindparam("id"))
        .order_by(Product.rating_tenths.desc(), Product.id)
        .limit(bindparam("limit"))
    )
