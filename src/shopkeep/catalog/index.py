"""An in-memory columnar index of the catalog: filters, sort orders, pages and exact totals in
microseconds to a few milliseconds, off the database.

The filterable columns of every product (category, brand, price, rating, stock, seller,
whether it is listed) are kept in numpy arrays in id order, with the sort orders by price,
rating and name (as the database's collation orders names) as permutations of them. Search
terms are matched by the catalog's word lists (`shopkeep.catalog.words`), or by the database's
own search index (SQLite's trigram FTS, PostgreSQL's trigram GIN) for the terms the lists
cannot answer. A page's products are then read by id (or kept in memory until they change).

The index is labelled with the catalog version it stands for. A query first reads the version
in its own transaction; when the index is behind, the products changed since (the catalog's
change log, `CatalogChange`) are read again in that transaction and patched in, so the answer
is exactly what the SQL path would give. When the log no longer holds the rows needed (pruned),
or too much changed, the index is rebuilt in the background and queries use SQL meanwhile.

Memory: some 47 bytes per product for the columns and orders (ids and prices take 4 bytes
while they fit in 32 bits, 8 beyond), and for the word lists 2 bytes per distinct word of each
product's text (4 for a rare word), or a bit per product for a word held by more than a 32nd of
them (about 80 MB in all for a million products of the demo catalog)."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import ctypes
import gc
import hashlib
import logging
import multiprocessing
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, text

from shopkeep.catalog.words import WordLists, WordListsBuilder, searchable_text
from shopkeep.db import Tx, create_database

if TYPE_CHECKING:
    from shopkeep.catalog.service import ProductQuery

log = logging.getLogger(__name__)

INDEX_MEMO = "catalog.index"
# Products read per step of a build, and names per step of reading the name order: a build
# runs on the event loop between requests, a step at a time.
CHUNK = 2_000
NAME_CHUNK = 20_000
# More changed products than this (or a 20th of the catalog) are cheaper to read afresh.
MAX_PATCHED = 2_000
# Below this share of the catalog, matches are sorted on their own rather than by walking a
# precomputed sort order.
WALK_SHARE = 32
# A slice of a precomputed order (a category, a price range, a lowest rating) that holds at most
# this share of the catalog is checked on its own rather than masking every row.
BASE_SHARE = 8
# Matches sorted for a page are partitioned first when the page's end is within this share.
PARTITION_SHARE = 4
# From about this many products on, a SQLite build runs in a process of its own (`_build_sqlite`).
APART_PRODUCTS = 50_000
MAX_KEPT_PRODUCTS = 5_000  # products kept as pages show them (about 6 MB)

Order = npt.NDArray[np.int32]  # positions of rows, in some order
Mask = npt.NDArray[np.bool_]

_COLUMNS = (
    "id, category_id, brand_key, price_cents, rating_tenths, stock, coalesce(seller_id, 0), "
    "CASE WHEN deleted_at IS NULL THEN 1 ELSE 0 END, name, description"
)
_CHUNK_SQL = text(f"SELECT {_COLUMNS} FROM products WHERE id > :after ORDER BY id LIMIT :size")
_ROWS_SQL = text(f"SELECT {_COLUMNS} FROM products WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_NAME_ORDER_FIRST = text(
    "SELECT name, id FROM products WHERE deleted_at IS NULL ORDER BY name, id LIMIT :size"
)
_NAME_ORDER_NEXT = text(
    "SELECT name, id FROM products WHERE deleted_at IS NULL AND (name, id) > (:name, :id) "
    "ORDER BY name, id LIMIT :size"
)
_VERSION_SQL = text("SELECT version FROM catalog_state WHERE id = 1")
_LARGEST_ID_SQL = text("SELECT max(id) FROM products")
_CHANGES_SQL = text(
    "SELECT version, product_id FROM catalog_changes WHERE version > :since AND version <= :upto"
)
_PRUNE_SQL = text(
    "DELETE FROM catalog_changes WHERE version <= "
    "(SELECT version FROM catalog_state WHERE id = 1) - :keep"
)
# Moves of the catalog version whose change rows are kept: an index further behind than this
# has more to patch than it would (`MAX_PATCHED`) anyway, short of a very busy few products.
CHANGES_KEPT = 100_000


@dataclass
class ProductIndex:
    """The filterable columns of every product known at `version`, in id order."""

    version: int
    ids: npt.NDArray[np.int32 | np.int64]  # int32 while every id fits (`_narrowed`)
    listed: Mask
    category: npt.NDArray[np.int32]
    brand: npt.NDArray[np.int32]  # codes of `brand_keys`
    price: npt.NDArray[np.int32 | np.int64]  # cents, int32 while every price fits
    rating: npt.NDArray[np.int16]
    stock: npt.NDArray[np.int32]
    seller: npt.NDArray[np.int32]  # 0: the store's own
    text_hash: npt.NDArray[np.int64]  # of name and description: which texts changed
    brand_keys: dict[str, int]
    words: WordLists | None = None
    # Positions in (key, id) order, over every row; None: to be computed again.
    orders: dict[str, Order | None] = field(default_factory=dict)
    _name_rank: Order | None = None
    # Where each category's rows are in `orders["category"]`: (first, end).
    _category_starts: dict[int, tuple[int, int]] | None = None

    @property
    def size(self) -> int:
        return len(self.ids)

    def nbytes(self) -> int:
        arrays = (self.ids, self.listed, self.category, self.brand, self.price, self.rating)
        extra = (self.stock, self.seller, self.text_hash)
        orders = [order.nbytes for order in self.orders.values() if order is not None]
        words = self.words.nbytes() if self.words is not None else 0
        return sum(array.nbytes for array in (*arrays, *extra)) + sum(orders) + words

    # --- answering ---

    def mask_of(self, product_ids: npt.NDArray[np.int64]) -> Mask:
        """Which rows hold one of `product_ids` (ids not in the index are left out)."""
        found = np.zeros(self.size, dtype=np.bool_)
        if self.size and len(product_ids):
            where = self.rows_of(product_ids)
            found[where[self.ids[where] == product_ids]] = True
        return found

    def rows_of(self, product_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
        """Where each of `product_ids` is or would go in id order (at most the last row):
        the row holds that id if any does."""
        if not self.size:
            return np.zeros(len(product_ids), dtype=np.intp)
        if len(product_ids) and self.ids.dtype == np.int32 and product_ids.max() <= INT32_MAX:
            product_ids = product_ids.astype(np.int32)  # else numpy widens all of `ids`
        return np.minimum(np.searchsorted(self.ids, product_ids), self.size - 1)

    def matching(self, query: ProductQuery, found: Mask | None) -> Matches:
        """The listed products matching every filter of `query` but the search; with `found`
        (the search's matches), among those only.

        The narrowest of a category, a price range and a lowest rating, when it is a small
        share of the catalog, is a slice of its precomputed order: the other filters are then
        checked on that slice only. Otherwise every filter is a mask over every row."""
        brand = None
        if query.brand is not None:
            brand = self.brand_keys.get(query.brand.lower())
            if brand is None:
                return Matches(0, None, np.empty(0, dtype=np.int64), "id")
        base, used = self._narrowest(query)
        checked = self._checks(query, brand, used)
        if base is None:
            columns = [(column, compare, value) for column, compare, value in checked]
            keep = self.listed if found is None else self.listed & found
        else:
            columns = [(column.take(base), compare, value) for column, compare, value in checked]
            keep = self.listed.take(base)
            if found is not None:
                keep &= found.take(base)
        if columns:
            first, compare, value = columns[0]
            keep = np.logical_and(compare(first, value), keep)
            for column, compare, value in columns[1:]:
                keep &= compare(column, value)
        elif base is None:
            keep = keep.copy()  # not the index's own column
        if base is None:
            return Matches(int(np.count_nonzero(keep)), keep, None, "id")
        positions = base[keep]
        return Matches(len(positions), None, positions, "id" if used == "category" else used)

    def _checks(
        self, query: ProductQuery, brand: int | None, used: str
    ) -> list[tuple[npt.NDArray[Any], Any, int]]:
        """The filters of `query` as (column, comparison, value), but those of `used` (the
        order whose slice the rows come from: "category", "price" or "rating")."""
        checks: list[tuple[npt.NDArray[Any], Any, int]] = []
        if query.category_id is not None and used != "category":
            checks.append((self.category, np.equal, query.category_id))
        if brand is not None:
            checks.append((self.brand, np.equal, brand))
        if used != "price":
            if query.min_price_cents is not None:
                checks.append((self.price, np.greater_equal, query.min_price_cents))
            if query.max_price_cents is not None:
                checks.append((self.price, np.less_equal, query.max_price_cents))
        if query.min_rating_tenths is not None and used != "rating":
            checks.append((self.rating, np.greater_equal, query.min_rating_tenths))
        if query.in_stock:
            checks.append((self.stock, np.greater, 0))
        if query.min_stock is not None:
            checks.append((self.stock, np.greater_equal, query.min_stock))
        if query.seller_id is not None:
            checks.append((self.seller, np.equal, query.seller_id))
        return checks

    def _narrowest(self, query: ProductQuery) -> tuple[npt.NDArray[Any] | None, str]:
        """The rows of the narrowest slice of an order `query` allows, if small enough to be
        worth it, and the order's name ("category", "price" or "rating")."""
        best: npt.NDArray[Any] | None = None
        by = ""
        if query.category_id is not None:
            order, starts = self.orders.get("category"), self._category_starts
            if order is not None and starts is not None:
                low, high = starts.get(query.category_id, (0, 0))
                best, by = order[low:high], "category"
        for name in ("price", "rating"):
            window = self._window(query, name)
            if window is not None and (best is None or window[1] - window[0] < len(best)):
                order = self.orders[name]
                assert order is not None
                best, by = order[window[0] : window[1]], name
        if best is None or len(best) * BASE_SHARE > self.size:
            return None, ""
        return best.astype(np.intp), by

    def _window(self, query: ProductQuery, name: str) -> tuple[int, int] | None:
        """Where the rows within the query's bounds on `name` ("price" or "rating") are in
        that order (None: no bounds on it, no order, or another order: the name order has no
        bounds)."""
        order = self.orders.get(name)
        key: npt.NDArray[Any]
        if name == "price":
            key, low_value, high_value = self.price, query.min_price_cents, query.max_price_cents
        elif name == "rating":
            key, low_value, high_value = self.rating, query.min_rating_tenths, None
        else:
            return None
        if order is None or (low_value is None and high_value is None):
            return None
        # Bisect through the order (numpy's `sorter` would check and copy the whole order).
        value_at = key.item
        low = 0
        if low_value is not None:
            low = bisect.bisect_left(order, low_value, key=lambda p: value_at(p))
        high = self.size
        if high_value is not None:
            high = bisect.bisect_right(order, high_value, key=lambda p: value_at(p))
        return low, max(low, high)

    def page(self, query: ProductQuery, matches: Matches) -> list[int]:
        """The ids of the page of `matches` that `query` asks for, in its order (ties by id,
        in the order's direction)."""
        total = matches.total
        offset = (query.page - 1) * query.page_size
        if offset >= total:
            return []
        wanted = min(query.page_size, total - offset)
        descending = query.order == "desc"
        sort_by = query.sort_by
        positions = matches.positions
        if positions is not None and matches.by == sort_by:
            chosen = _slice(positions, offset, wanted, descending)
        elif positions is not None:
            if sort_by == "id":
                chosen = _slice(np.sort(positions), offset, wanted, descending)
            else:
                chosen = self._first(positions, sort_by, offset + wanted, descending)[offset:]
        else:
            assert matches.mask is not None
            order = None if sort_by == "id" else self.orders.get(sort_by)
            if sort_by != "id" and (order is None or total * WALK_SHARE < self.size):
                # Few matches: sort them rather than walk the whole order past non-matches.
                found = np.flatnonzero(matches.mask)
                chosen = self._first(found, sort_by, offset + wanted, descending)[offset:]
            else:
                # Only the part of the order within the query's bounds on it can match.
                window = None if sort_by == "id" else self._window(query, sort_by)
                start, end = window or (0, self.size)
                chosen = self._walk(matches.mask, order, offset, wanted, descending, start, end)
        return [int(product_id) for product_id in self.ids[chosen]]

    def _first(
        self, positions: npt.NDArray[Any], sort_by: str, count: int, descending: bool
    ) -> npt.NDArray[Any]:
        """The first `count` of `positions` in the order by `sort_by` (ties by position, which
        is id order), the whole order reversed when descending."""
        key = self._sort_key(sort_by)[positions].astype(np.int64)
        if sort_by != "name":
            # One unique number per row: the key, then the position (id order) among equals.
            key = key * max(self.size, 1) + positions
        if descending:
            key = -key
        if count * PARTITION_SHARE < len(key):
            nearest = np.argpartition(key, count - 1)[:count]
            return positions[nearest[np.argsort(key[nearest])]]
        return positions[np.argsort(key)][:count]

    def _walk(
        self,
        matches: Mask,
        order: Order | None,
        skip: int,
        take: int,
        descending: bool,
        start: int = 0,
        end: int | None = None,
    ) -> npt.NDArray[np.int64]:
        """The matches from the `skip`th on, `take` of them, walking `order` (None: id order)
        between `start` and `end` in growing steps from `start` (or from `end`, descending)."""
        found: list[npt.NDArray[np.int64]] = []
        end = self.size if end is None else end
        have, done, step, span = 0, 0, 4096, end - start
        while have < skip + take and done < span:
            if descending:
                low, high = max(end - done - step, start), end - done
            else:
                low, high = start + done, min(start + done + step, end)
            if order is None:
                hits = np.flatnonzero(matches[low:high]) + low
            else:
                part = order[low:high]
                hits = part[matches[part]].astype(np.int64)
            found.append(hits[::-1] if descending else hits)
            have += len(hits)
            done += high - low
            step *= 2
        return np.concatenate(found)[skip : skip + take] if found else np.empty(0, np.int64)

    def _sort_key(self, sort_by: str) -> npt.NDArray[Any]:
        if sort_by == "price":
            return self.price
        if sort_by == "rating":
            return self.rating
        if self._name_rank is None:
            order = self.orders["name"]
            assert order is not None
            rank = np.empty(self.size, dtype=np.int32)
            rank[order] = np.arange(self.size, dtype=np.int32)
            self._name_rank = rank
        return self._name_rank

    def sort_orders(self) -> None:
        """Compute the orders by price, rating and category (stable: ties stay in id order)."""
        for name, key in (("price", self.price), ("rating", self.rating)):
            if self.orders.get(name) is None:
                self.orders[name] = np.argsort(key, kind="stable").astype(np.int32)
        if self.orders.get("category") is None:
            order = np.argsort(self.category, kind="stable").astype(np.int32)
            categories, firsts, counts = np.unique(
                self.category[order], return_index=True, return_counts=True
            )
            self._category_starts = {
                int(category): (int(first), int(first + count))
                for category, first, count in zip(categories, firsts, counts, strict=True)
            }
            self.orders["category"] = order

    def forget_name_order(self) -> None:
        self.orders["name"] = None
        self._name_rank = None


@dataclass(frozen=True, slots=True)
class Matches:
    """The rows matching a query: `total` of them, as a mask over every row, or as `positions`
    in the order `by` names ("id": ascending positions; "price" or "rating": that sort order,
    ties in id order)."""

    total: int
    mask: Mask | None
    positions: npt.NDArray[Any] | None
    by: str


def _slice(ordered: npt.NDArray[Any], skip: int, take: int, descending: bool) -> npt.NDArray[Any]:
    """`take` rows from the `skip`th on of `ordered`, read from its end when descending."""
    if not descending:
        return ordered[skip : skip + take]
    end = len(ordered) - skip
    return ordered[max(end - take, 0) : end][::-1]


def _arrays(rows: Sequence[Sequence[Any]], brand_keys: dict[str, int]) -> dict[str, Any]:
    """Columns of `rows` (in `_COLUMNS` order)."""
    brands = [brand_keys.setdefault(row[2], len(brand_keys)) for row in rows]
    numbers = np.array([(r[0], r[1], r[3], r[4], r[5], r[6], r[7]) for r in rows], dtype=np.int64)
    numbers = numbers.reshape(-1, 7)
    return {
        "ids": numbers[:, 0].copy(),
        "category": numbers[:, 1].astype(np.int32),
        "brand": np.array(brands, dtype=np.int32),
        "price": numbers[:, 2].copy(),
        "rating": numbers[:, 3].astype(np.int16),
        "stock": numbers[:, 4].astype(np.int32),
        "seller": numbers[:, 5].astype(np.int32),
        "listed": numbers[:, 6].astype(np.bool_),
        "text_hash": np.array([_text_hash(row[8], row[9]) for row in rows], dtype=np.int64),
    }


def _text_hash(name: str, description: str) -> int:
    """The same in every process (Python's own `hash` of a string is not): an index built in
    another process is compared with rows read in this one."""
    digest = hashlib.blake2b(f"{name}\0{description}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _texts(rows: Sequence[Sequence[Any]]) -> list[str]:
    return [searchable_text(row[8], row[9]) for row in rows]


INT32_MAX = int(np.iinfo(np.int32).max)
# Columns of 64-bit values kept in 32 bits while every value fits.
_NARROWED = ("ids", "price")


def _narrowed(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """`values` (integers) as int32 if they all fit, else as int64."""
    fits = not len(values) or (values.min() >= -INT32_MAX - 1 and values.max() <= INT32_MAX)
    return values.astype(np.int32 if fits else np.int64, copy=False)


def _widened(column: npt.NDArray[Any], values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """`column`, as int64 if it is int32 and some of `values` do not fit in it."""
    if column.dtype == np.int32 and len(values) and _narrowed(values).dtype == np.int64:
        return column.astype(np.int64)
    return column


_ARRAY_NAMES = (
    "ids",
    "category",
    "brand",
    "price",
    "rating",
    "stock",
    "seller",
    "listed",
    "text_hash",
)
_DTYPES = {
    "ids": np.int64,
    "category": np.int32,
    "brand": np.int32,
    "price": np.int64,
    "rating": np.int16,
    "stock": np.int32,
    "seller": np.int32,
    "listed": np.bool_,
    "text_hash": np.int64,
}


async def build(tx: Tx) -> ProductIndex:
    """The whole index, read in chunks of `CHUNK` products."""
    version = int(await tx.scalar(_VERSION_SQL) or 0)
    brand_keys: dict[str, int] = {}
    parts: list[dict[str, Any]] = []
    words = WordListsBuilder()
    after = 0
    while True:
        rows: Sequence[Any] = (await tx.execute(_CHUNK_SQL, {"after": after, "size": CHUNK})).all()
        if not rows:
            break
        parts.append(_arrays(rows, brand_keys))
        words.add([row[8] for row in rows], [row[9] for row in rows])
        after = int(rows[-1][0])
        del rows
        await asyncio.sleep(0)  # a long read lets requests in between its chunks
    columns = {}
    for name in _ARRAY_NAMES:
        chunks = [part.pop(name) for part in parts]
        column = np.concatenate(chunks) if chunks else np.empty(0, dtype=_DTYPES[name])
        del chunks
        columns[name] = _narrowed(column) if name in _NARROWED else column
    del parts
    index = _index(version, brand_keys, columns)
    index.words = words.build()
    index.sort_orders()
    index.orders["name"] = await name_order(tx, index)
    return index


async def name_order(tx: Tx, index: ProductIndex) -> Order:
    """Positions in the database's own (name, id) order (its collation decides), the listed
    products first, each position once."""
    found: list[npt.NDArray[np.int64]] = []
    rows: Sequence[Any] = (await tx.execute(_NAME_ORDER_FIRST, {"size": NAME_CHUNK})).all()
    while rows:
        ids = np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows))
        where = index.rows_of(ids)
        found.append(where[index.ids[where] == ids] if index.size else where[:0])
        last_name, last_id = rows[-1]
        await asyncio.sleep(0)  # a long read lets requests in between its chunks
        params = {"name": last_name, "id": last_id, "size": NAME_CHUNK}
        rows = (await tx.execute(_NAME_ORDER_NEXT, params)).all()
    listed = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
    _, first = np.unique(listed, return_index=True)
    listed = listed[np.sort(first)]
    seen = np.zeros(index.size, dtype=np.bool_)
    seen[listed] = True
    return np.concatenate([listed, np.flatnonzero(~seen)]).astype(np.int32)


async def prune_changes(tx: Tx, keep: int = CHANGES_KEPT) -> int:
    """Forget the change log's rows but those of the last `keep` moves of the catalog version
    (an index behind the rows left is rebuilt); how many rows went."""
    result: Any = await tx.execute(_PRUNE_SQL, {"keep": keep})
    return int(result.rowcount or 0)


def start(database: Any) -> CatalogIndex:
    """The index of `database` (a `shopkeep.db.Database`), built in the background; catalog
    queries use it once it is ready."""
    holder: CatalogIndex | None = database.memo.get(INDEX_MEMO)
    if holder is None:
        holder = CatalogIndex()
        if database.dialect == "sqlite":
            holder.builder = lambda: _build_sqlite(database)
        else:
            holder.builder = lambda: database.read(build)
        database.memo[INDEX_MEMO] = holder
        holder.rebuild_soon()
    return holder


async def _build_sqlite(database: Any) -> ProductIndex:
    """SQLite reads block the event loop: a build reads through a connection of its own, on a
    thread, or for a large catalog in a process of its own. There its rows and texts never
    fragment this process's heap (a million products' leave some 30 MB behind when requests
    are served meanwhile), and it holds no lock this process needs (Python's)."""
    if await database.read(_largest_id) >= APART_PRODUCTS:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(pool, _build_apart, database.url)
        except asyncio.CancelledError:
            for process in list(pool._processes.values()):
                process.terminate()  # abandoned: its work is of no use
            raise
        except Exception:
            # E.g. a main module that starts the app when imported again (as a process
            # started with "spawn" does): build here after all.
            log.warning("building the catalog index in a process of its own failed; on a thread")
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    return await asyncio.to_thread(_build_apart, database.url)


async def _largest_id(tx: Tx) -> int:
    return int(await tx.scalar(_LARGEST_ID_SQL) or 0)


def _build_apart(url: str) -> ProductIndex:
    """A build on this thread, through a connection of its own."""

    async def run() -> ProductIndex:
        database = create_database(url)
        try:
            return await database.read(build)
        finally:
            await database.close()

    return asyncio.run(run())


def _give_back_free_memory() -> None:
    """Return the memory a build freed to the system (glibc keeps it otherwise)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


async def stop(database: Any) -> None:
    """Forget the index of `database` (a rebuild under way is abandoned)."""
    holder: CatalogIndex | None = database.memo.pop(INDEX_MEMO, None)
    if holder is not None:
        await holder.abandon()


class CatalogIndex:
    """The index of one database in one process, kept in step with the catalog version."""

    def __init__(self) -> None:
        self.index: ProductIndex | None = None
        self._rebuild: asyncio.Task[None] | None = None
        self.builder: Any = None  # an async callable returning a fresh ProductIndex
        # Products as pages show them, read at or before the index's version and dropped
        # when they change: a page's products are then read from memory.
        self._products: OrderedDict[int, dict[str, Any]] = OrderedDict()

    def products(self, product_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Those of `product_ids` kept in memory (copies)."""
        kept = self._products
        found = {}
        for product_id in product_ids:
            product = kept.get(product_id)
            if product is not None:
                kept.move_to_end(product_id)
                found[product_id] = dict(product)
        return found

    def keep_products(self, index: ProductIndex, products: Iterable[dict[str, Any]]) -> None:
        """Keep `products`, read in a transaction that `index` answered for."""
        if self.index is not index:
            return  # the index moved meanwhile: they may be older than it
        for product in products:
            self._products[product["id"]] = dict(product)
        while len(self._products) > MAX_KEPT_PRODUCTS:
            self._products.popitem(last=False)

    async def at(self, tx: Tx, version: int | None = None) -> ProductIndex | None:
        """The index as of the transaction's catalog version (`version` when the transaction
        read it already), or None: use SQL."""
        index = self.index
        if index is None:
            return None
        if version is None:
            version = int(await tx.scalar(_VERSION_SQL) or 0)
        if index.version == version:
            return index
        if index.version > version:
            # An older snapshot than the index: the index cannot go back.
            return None
        start = index.version
        span = {"since": start, "upto": version}
        changes: Sequence[Any] = (await tx.execute(_CHANGES_SQL, span)).all()
        changed = {row[1] for row in changes if row[1] is not None}
        if len(changes) != version - start or len(changed) > max(MAX_PATCHED, index.size // 20):
            self.rebuild_soon()
            return None
        rows: list[Any] = []
        ordered = sorted(changed)
        for first in range(0, len(ordered), 500):
            some = ordered[first : first + 500]
            rows.extend((await tx.execute(_ROWS_SQL, {"ids": some})).all())
        if self.index is not index or index.version != start:
            return None  # another request moved it meanwhile
        for product_id in changed:
            self._products.pop(product_id, None)
        patched = await _patched(tx, index, changed, rows)
        patched.version = version
        self.index = patched
        if patched.words is None:
            self.rebuild_soon()
        return patched

    def rebuild_soon(self) -> None:
        if self._rebuild is None and self.builder is not None:
            self._rebuild = asyncio.create_task(self._rebuild_now())

    async def _rebuild_now(self) -> None:
        try:
            fresh: ProductIndex = await self.builder()
            current = self.index
            if current is None or fresh.version >= current.version:
                self._products.clear()
                self.index = fresh
                # It lives long: keep the garbage collector from scanning it again and again.
                gc.freeze()
                _give_back_free_memory()
        except Exception:
            log.exception("rebuilding the catalog index failed; catalog queries use SQL")
        finally:
            self._rebuild = None

    async def abandon(self) -> None:
        if self._rebuild is not None:
            self._rebuild.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._rebuild

    async def wait_for_rebuild(self) -> None:
        if self._rebuild is not None:
            await self._rebuild


async def _patched(
    tx: Tx, index: ProductIndex, changed: Iterable[int], rows: Sequence[Sequence[Any]]
) -> ProductIndex:
    """`index` with `rows` (the changed products as they are now) in place; products changed
    but no longer found are gone for good."""
    found = {int(row[0]) for row in rows}
    gone = np.array(sorted(set(changed) - found), dtype=np.int64)
    if len(gone):
        index.listed[index.mask_of(gone)] = False
    if not rows:
        return index
    fresh = _arrays(rows, index.brand_keys)
    texts = _texts(rows)
    where = index.rows_of(fresh["ids"])
    known = index.ids[where] == fresh["ids"] if index.size else np.zeros(len(rows), np.bool_)
    at = where[known]
    if len(at):
        if np.any(index.price[at] != fresh["price"][known]):
            index.orders["price"] = None
        if np.any(index.rating[at] != fresh["rating"][known]):
            index.orders["rating"] = None
        if np.any(index.category[at] != fresh["category"][known]):
            index.orders["category"] = None
        retexted = index.text_hash[at] != fresh["text_hash"][known]
        relisted = fresh["listed"][known] & ~index.listed[at]
        if np.any(retexted) or np.any(relisted):
            index.forget_name_order()
        if index.words is not None:
            for position, row in zip(at[retexted], np.flatnonzero(known)[retexted], strict=True):
                index.words.changed(int(position), texts[row])
        index.price = _widened(index.price, fresh["price"][known])
        for name in _ARRAY_NAMES[1:]:
            getattr(index, name)[at] = fresh[name][known]
    if not known.all():
        index = _with_new_rows(index, {name: value[~known] for name, value in fresh.items()})
        index.forget_name_order()
        if index.words is not None:
            for row in np.flatnonzero(~known):
                position = int(index.rows_of(fresh["ids"][row : row + 1])[0])
                index.words.changed(position, texts[row])
    if index.words is not None and index.words.outgrown:
        index.words = None  # searches go to the database until the index is built again
    index.sort_orders()
    if index.orders.get("name") is None:
        index.orders["name"] = await name_order(tx, index)
    return index


def _with_new_rows(index: ProductIndex, new: dict[str, Any]) -> ProductIndex:
    columns = {name: np.concatenate([getattr(index, name), new[name]]) for name in _ARRAY_NAMES}
    for name in _NARROWED:
        columns[name] = _narrowed(columns[name])
    order = np.argsort(columns["ids"], kind="stable")
    moved = _index(
        index.version, index.brand_keys, {name: values[order] for name, values in columns.items()}
    )
    if index.words is not None:
        new_position = np.empty(len(order), dtype=np.int64)
        new_position[order] = np.arange(len(order))
        moved.words = index.words.moved(new_position, moved.size)
    return moved


def _index(version: int, brand_keys: dict[str, int], columns: dict[str, Any]) -> ProductIndex:
    return ProductIndex(
        version=version,
        ids=columns["ids"],
        listed=columns["listed"],
        category=columns["category"],
        brand=columns["brand"],
        price=columns["price"],
        rating=columns["rating"],
        stock=columns["stock"],
        seller=columns["seller"],
        text_hash=columns["text_hash"],
        brand_keys=brand_keys,
    )
