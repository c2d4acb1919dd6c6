"""Catalog rules: listing, filtering, searching and reading products and categories."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, Literal, TypeVar, cast

import numpy as np
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Row,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    table,
    true,
    type_coerce,
)

from shopkeep.catalog.index import INDEX_MEMO, CatalogIndex, ProductIndex
from shopkeep.catalog.models import CatalogState, Category, Product
from shopkeep.db import AnySelect, Tx
from shopkeep.errors import NotFound
from shopkeep.money import as_json_number

V = TypeVar("V")

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

# Deleted products keep their rows for the carts and orders that hold them, outside the catalog.
LISTED: ColumnElement[bool] = Product.deleted_at.is_(None)

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
    broad: bool = False  # most of the catalog matches (decided once the count is known)

    @property
    def counted_first(self) -> bool:
        """Whether the page's plan depends on how many products match: when anything filters
        rows, or the page is sorted by something other than id."""
        return self.filtered or self.sort_by != "id"

    @property
    def filtered(self) -> bool:
        """Whether the total must be counted (anything beyond a category filters rows)."""
        return self.narrowed or bool(self.search)

    @property
    def narrowed(self) -> bool:
        """Whether a filter other than the category and the search applies."""
        return any(
            (
                self.brand,
                self.min_price,
                self.max_price,
                self.min_rating,
                self.in_stock,
                self.min_stock,
                self.seller,
            )
        )


def product_json(row: Any) -> dict[str, Any]:
    """A product as the API shows it, from a row starting with PRODUCT_COLUMNS (unpacked by
    position: this runs for every product of every page)."""
    product_id, name, description, brand, category_id, price_cents, rating, stock, image, seller = (
        row[:10]
    )
    return {
        "id": product_id,
        "name": name,
        "description": description,
        "brand": brand,
        "category_id": category_id,
        "price": as_json_number(price_cents),
        "rating": rating / 10,
        "stock": stock,
        "image_url": image or f"/images/products/{product_id}.svg",
        "seller_id": seller,
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


async def first_category_id(tx: Tx) -> int | None:
    """The category with the lowest id: where products made without a category go."""
    category_id: int | None = await tx.scalar(select(func.min(Category.id)))
    return category_id


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
    """The brand names in use (in a category), sorted.

    Finding them reads every product, and the storefront shows them on every grid page, so
    each list is kept for the catalog version it was read at. The version is read first: a
    list kept under a version is never older than the catalog that version stands for.
    """
    version = await tx.scalar(_version_statement())
    cache: CatalogCache[tuple[str, ...]] = tx.memo.setdefault("catalog.brands", CatalogCache())
    cached = cache.get(category_id)
    if cached is not None and cached[0] == version:
        return list(cached[1])
    params = {} if category_id is None else {"category_id": category_id}
    brands = tuple((await tx.execute(_brands_statement(category_id is not None), params)).scalars())
    if version is not None:
        cache.put(category_id, version, brands)
    return list(brands)


async def related_products(tx: Tx, product_id: int, limit: int) -> list[dict[str, Any]]:
    category_id = await tx.scalar(
        select(Product.category_id).where(Product.id == product_id, LISTED)
    )
    if category_id is None:
        raise ProductNotFound()
    rows = await tx.execute(
        _related_statement(), {"category_id": category_id, "id": product_id, "limit": limit}
    )
    return [product_json(row) for row in rows]


class CatalogCache(Generic[V]):
    """Recently used values derived from the catalog (at most `size`), each tagged with the
    catalog version it was read at.

    The catalog version (kept by database triggers) says when a value may be reused: it moves
    whenever a product is added, removed, changes a filtered column (brand and category among
    them), or its stock reaches or leaves zero (`in_stock`).
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[int, V]] = OrderedDict()

    def get(self, key: Hashable) -> tuple[int, V] | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: Hashable, version: int, value: V) -> None:
        self._entries[key] = (version, value)
        self._entries.move_to_end(key)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)


class CountCache(CatalogCache["_Count"]):
    """Exact match counts of recent queries, each tagged with the catalog version it was
    counted at.

    Counting many matches dominates a catalog query. Counts with `min_stock` are never cached:
    stock moves with every checkout.
    """

    def __init__(self, size: int = 4096) -> None:
        super().__init__(size)


@dataclass(frozen=True, slots=True)
class _Count:
    total: int
    catalog_size: int

    def broad(self, offset: int, limit: int) -> bool:
        """Whether so many products match that walking the sort order beats filtering.

        Walking reads about (offset + limit) * size / total rows; filtering reads `total` rows
        and then sorts them.
        """
        return self.total * self.total > (offset + limit) * self.catalog_size


async def search_products(tx: Tx, query: ProductQuery) -> dict[str, Any]:
    """One page of products matching `query`, with the exact number of matches."""
    shape, params = _shape_and_params(tx.dialect, query)
    indexed: CatalogIndex | None = tx.memo.get(INDEX_MEMO)
    if indexed is not None and shape.counted_first:
        page = await _indexed_page(tx, indexed, query, shape, params)
        if page is not None:
            return page
    offset = (query.page - 1) * query.page_size
    page_params = {**params, "limit": query.page_size, "offset": offset}
    if shape.counted_first:
        total, rows = await _filtered_page(tx, shape, params, page_params)
    else:
        # The total is precomputed: it rides along with the page.
        rows = (await tx.execute(_page_statement(shape), page_params)).all()
        total = int(rows[0].total) if rows else await _precomputed_total(tx, shape, params)
    return {
        "total": total,
        "page": query.page,
        "page_size": query.page_size,
        "products": [product_json(row) for row in rows],
    }


async def _indexed_page(
    tx: Tx, indexed: CatalogIndex, query: ProductQuery, shape: _Shape, params: dict[str, Any]
) -> dict[str, Any] | None:
    """The page from the in-memory index (None when it cannot answer for this transaction):
    the database only matches the search term (when the word lists cannot) and reads the page's
    products.

    The index is first asked as it stands, and the catalog version read in the same statement
    as the page's products: when the version is the index's, that is the answer, in one
    statement. Otherwise the index first catches up with the transaction's version."""
    index = indexed.index
    version = None
    if index is not None:
        found = _words_found(index, query)
        if query.search is None or found is not None:
            page, version = await _page_of(tx, indexed, index, query, found, check_version=True)
            if page is not None:
                return page
    index = await indexed.at(tx, version)
    if index is None:
        return None
    found = _words_found(index, query)
    if query.search is not None and found is None:
        ids_found = (await tx.execute(_search_ids_statement(shape), params)).scalars().all()
        found = index.mask_of(np.array(ids_found, dtype=np.int64))
    page, _ = await _page_of(tx, indexed, index, query, found, check_version=False)
    return page


def _words_found(index: ProductIndex, query: ProductQuery) -> Any:
    """The search's matches by the index's word lists; None without a search, or when the
    database must say."""
    if query.search is None or index.words is None:
        return None
    return index.words.matches(query.search, index.size)


async def _page_of(
    tx: Tx,
    indexed: CatalogIndex,
    index: ProductIndex,
    query: ProductQuery,
    found: Any,
    *,
    check_version: bool,
) -> tuple[dict[str, Any] | None, int | None]:
    """The page `index` gives, its products read from memory or the database; None when a
    product is gone (PostgreSQL reads a newer catalog than the index's) or, with
    `check_version`, when the transaction's catalog is not the index's version (then read,
    and returned beside)."""
    matches = index.matching(query, found)
    ids = index.page(query, matches)
    products = indexed.products(ids)
    missing = [product_id for product_id in ids if product_id not in products]
    if missing:
        sql, sql_params = _rows_by_id_sql(tx.dialect, missing)
        fetched = await tx.driver_rows(sql, sql_params)
        if check_version and not fetched:
            return None, None
        if check_version and fetched[0][VERSION_AT] != index.version:
            return None, int(fetched[0][VERSION_AT])
        read = {row[0]: product_json(row) for row in fetched}
        if len(read) != len(missing):
            return None, None
        indexed.keep_products(index, read.values())
        products.update(read)
    elif check_version:
        version = int(await tx.scalar(_version_statement()) or 0)
        if version != index.version:
            return None, version
    page = {
        "total": matches.total,
        "page": query.page,
        "page_size": query.page_size,
        "products": [products[product_id] for product_id in ids],
    }
    return page, index.version


async def _filtered_page(
    tx: Tx, shape: _Shape, params: dict[str, Any], page_params: dict[str, Any]
) -> tuple[int, Sequence[Row[Any]]]:
    """Count, then fetch the page with the plan the count calls for.

    A cached count is trusted only when the page, read in one statement with the catalog
    version, shows the version it was counted at: one statement in the usual case.
    """
    offset = page_params["offset"]
    cache: CountCache = tx.memo.setdefault("catalog.counts", CountCache())
    key = (shape, tuple(sorted(params.items())))
    cached = None if shape.min_stock else cache.get(key)
    if cached is not None:
        version, count = cached
        if offset < count.total:
            rows = (await tx.execute(_planned(shape, count, page_params), page_params)).all()
            if rows and rows[0].catalog_version == version:
                return count.total, rows
    row = (await tx.execute(_count_statement(shape), params)).one()
    count = _Count(total=int(row.total), catalog_size=int(row.catalog_size))
    if not shape.min_stock:
        cache.put(key, row.catalog_version, count)
    if offset >= count.total:
        return count.total, []
    return count.total, (await tx.execute(_planned(shape, count, page_params), page_params)).all()


def _planned(shape: _Shape, count: _Count, page_params: dict[str, Any]) -> AnySelect:
    broad = count.broad(page_params["offset"], page_params["limit"])
    return _page_statement(dataclasses.replace(shape, broad=broad))


async def _precomputed_total(tx: Tx, shape: _Shape, params: dict[str, Any]) -> int:
    return int((await tx.execute(_count_statement(shape), params)).one().total)


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _shape_and_params(dialect: str, query: ProductQuery) -> tuple[_Shape, dict[str, Any]]:
    params: dict[str, Any] = {}
    search_mode: Literal["", "indexed", "scan"] = ""
    if query.search is not None:
        params["pattern"] = _like_pattern(query.search.lower())
        search_mode = "scan"
        if dialect == "sqlite" and len(query.search) >= MIN_INDEXED_SEARCH:
            search_mode = "indexed"
            params["fts"] = '"' + query.search.replace('"', '""') + '"'

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


def _conditions(shape: _Shape, *, indexed: bool = True) -> list[ColumnElement[bool]]:
    """The WHERE terms of a shape. With `indexed=False` (SQLite only) the filters are written so
    that no index can serve them (`column + 0`, a substring test instead of the search index),
    which leaves the sort order's index as the planner's only choice: the fast plan when many
    products match."""

    # Terms on the sort column and the category stay usable (every sort order also has an
    # index within a category): they bound the walk instead of being checked row by row.
    walked = {"price": Product.price_cents, "rating": Product.rating_tenths}.get(shape.sort_by)

    def column(attribute: Any) -> ColumnElement[Any]:
        kept = attribute is walked or attribute is Product.category_id
        if indexed or shape.dialect != "sqlite" or kept:
            return cast(ColumnElement[Any], attribute)
        # As a number: `in_stock` is a boolean, which has no `+`.
        return cast(ColumnElement[Any], type_coerce(attribute, Integer) + literal_column("0"))

    conditions: list[ColumnElement[bool]] = [LISTED]
    if shape.category:
        conditions.append(column(Product.category_id) == bindparam("category_id"))
    if shape.brand:
        conditions.append(Product.brand_key == bindparam("brand"))
    if shape.min_price:
        conditions.append(column(Product.price_cents) >= bindparam("min_price"))
    if shape.max_price:
        conditions.append(column(Product.price_cents) <= bindparam("max_price"))
    if shape.min_rating:
        conditions.append(column(Product.rating_tenths) >= bindparam("min_rating"))
    if shape.in_stock:
        conditions.append(column(Product.in_stock) == true())
    if shape.min_stock:
        conditions.append(column(Product.stock) >= bindparam("min_stock"))
    if shape.seller:
        conditions.append(column(Product.seller_id) == bindparam("seller_id"))
    if shape.search == "indexed" and (indexed or shape.dialect != "sqlite"):
        search_index = table("products_search")
        matches: AnySelect = (
            select(literal_column("rowid"))
            .select_from(search_index)
            .where(literal_column("products_search").op("MATCH")(bindparam("fts")))
        )
        conditions.append(Product.id.in_(matches))
    elif shape.search:
        pattern: BindParameter[str] = bindparam("pattern")
        conditions.append(
            or_(
                func.lower(Product.name).like(pattern, escape="\\"),
                func.lower(Product.description).like(pattern, escape="\\"),
            )
        )
    return conditions


@cache
def _version_statement() -> AnySelect:
    return select(CatalogState.version).where(CatalogState.id == 1)


def _total_expression(shape: _Shape) -> ColumnElement[Any]:
    if shape.search == "indexed" and not (shape.category or shape.narrowed):
        # The search index counts its own matches several times faster than a join does.
        return (
            select(func.count())
            .select_from(table("products_search"))
            .where(literal_column("products_search").op("MATCH")(bindparam("fts")))
            .scalar_subquery()
        )
    if shape.filtered:
        return (
            select(func.count()).select_from(Product).where(*_conditions(shape)).scalar_subquery()
        )
    # Category rows carry their product counts (kept by triggers).
    if shape.category:
        in_category = (
            select(Category.product_count)
            .where(Category.id == bindparam("category_id"))
            .scalar_subquery()
        )
        return func.coalesce(in_category, 0)
    return select(func.coalesce(func.sum(Category.product_count), 0)).scalar_subquery()


@cache
def _count_statement(shape: _Shape) -> AnySelect:
    catalog_size = select(func.coalesce(func.sum(Category.product_count), 0)).scalar_subquery()
    version = _version_statement().scalar_subquery()
    return select(
        _total_expression(shape).label("total"),
        catalog_size.label("catalog_size"),
        version.label("catalog_version"),
    )


@cache
def _page_statement(shape: _Shape) -> AnySelect:
    sort_column = _SORT_COLUMNS[shape.sort_by]
    descending = shape.order == "desc"
    ordering = sort_column.desc() if descending else sort_column.asc()
    # Ties follow the sort's direction, so one index walk serves the whole ORDER BY.
    tie_breaker = Product.id.desc() if descending and shape.sort_by != "id" else Product.id.asc()
    # Filtered pages carry the catalog version (to validate a cached count), the others their
    # precomputed total.
    extra = [
        _version_statement().scalar_subquery().label("catalog_version")
        if shape.counted_first
        else _total_expression(shape).label("total")
    ]
    return (
        select(*PRODUCT_COLUMNS, *extra)
        .where(*_conditions(shape, indexed=not shape.broad))
        .order_by(ordering, tie_breaker)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@cache
def _search_ids_statement(shape: _Shape) -> AnySelect:
    """The ids of the listed products whose name or description holds the search term."""
    if shape.search == "indexed" and shape.dialect == "sqlite":
        # The search index holds exactly the listed products.
        return (
            select(literal_column("rowid"))
            .select_from(table("products_search"))
            .where(literal_column("products_search").op("MATCH")(bindparam("fts")))
        )
    only_search = _Shape(
        dialect=shape.dialect,
        category=False,
        brand=False,
        min_price=False,
        max_price=False,
        min_rating=False,
        in_stock=False,
        min_stock=False,
        seller=False,
        search=shape.search,
        sort_by="id",
        order="asc",
    )
    return select(Product.id).where(*_conditions(only_search))


_ROWS_BY_ID = (
    "SELECT id, name, description, brand, category_id, price_cents, rating_tenths, stock, "
    "image_url, seller_id, (SELECT version FROM catalog_state WHERE id = 1) FROM products "
)
VERSION_AT = 10  # where a row of `_rows_by_id_sql` has the catalog version it was read at


def _rows_by_id_sql(dialect: str, product_ids: Sequence[int]) -> tuple[str, list[Any]]:
    """Products by id (PRODUCT_COLUMNS, then the catalog version), for `Tx.driver_rows`."""
    if dialect == "postgresql":
        return _ROWS_BY_ID + "WHERE id = ANY($1::bigint[])", [list(product_ids)]
    return _rows_by_id_sqlite(len(product_ids)), list(product_ids)


@cache
def _rows_by_id_sqlite(count: int) -> str:
    return _ROWS_BY_ID + f"WHERE id IN ({', '.join('?' * count)})"


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
        .where(Product.id == bindparam("id"), LISTED)
    )


@cache
def _brands_statement(in_category: bool) -> AnySelect:
    statement = (
        select(Product.brand).where(Product.brand != "", LISTED).distinct().order_by(Product.brand)
    )
    if in_category:
        statement = statement.where(Product.category_id == bindparam("category_id"))
    return statement


@cache
def _related_statement() -> AnySelect:
    return (
        select(*PRODUCT_COLUMNS)
        .where(
            Product.category_id == bindparam("category_id"), Product.id != bindparam("id"), LISTED
        )
        .order_by(Product.rating_tenths.desc(), Product.id)
        .limit(bindparam("limit"))
    )
