"""The in-memory catalog index answers every filter, sort and page exactly as the SQL path does,
also after writes interleaved with the queries (patched from the change log) and after more
changes than it patches (rebuilt)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, insert, select, update

from shopkeep.catalog import index as catalog_index
from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.catalog.index import INDEX_MEMO, CatalogIndex, ProductIndex, build
from shopkeep.catalog.models import CatalogChange, Product
from shopkeep.catalog.service import ProductQuery, search_products
from shopkeep.catalog.words import WordListsBuilder
from shopkeep.db import Database, Tx, utcnow
from shopkeep.inventory import service as inventory
from shopkeep.inventory.models import StockMovement
from shopkeep.sellers.models import Seller
from shopkeep.telemetry.metrics import exposition
from tests.invariants import set_product

BRANDS = sorted({product.brand for product in DEMO_PRODUCTS})
TERMS = [
    "key",
    "KEY",
    "wireless",
    "e",
    "ss",
    "%",
    "_",
    "a_b",
    "100%",
    "zzz",
    "o",
    "pro",
    "d k",
    "10",
]
FIRST_NEW_ID = 10_000
PRICES = sorted({product.price_cents for product in DEMO_PRODUCTS})
# Prices the index keeps in 32 bits, and beyond (it widens its column to 64).
new_prices = st.integers(1, 20_000) | st.sampled_from([2**31 - 1, 2**31, 3_000_000_000])
# Bounds at, just below and just above the prices in the catalog, and anywhere.
price_bounds = (
    st.none()
    | st.sampled_from(PRICES).flatmap(lambda cents: st.sampled_from([cents - 1, cents, cents + 1]))
    | st.integers(0, 20_000)
    | st.sampled_from([2**31 - 1, 2**31, 10**11])
)


queries = st.builds(
    ProductQuery,
    category_id=st.none() | st.integers(1, 6),
    brand=st.none() | st.sampled_from([*BRANDS, "soundmax", "No Such Brand"]),
    min_price_cents=price_bounds,
    max_price_cents=price_bounds,
    min_rating_tenths=st.none() | st.integers(0, 50),
    in_stock=st.booleans(),
    min_stock=st.none() | st.integers(0, 4) | st.integers(0, 200),
    seller_id=st.none() | st.integers(1, 3),
    search=st.none() | st.sampled_from(TERMS),
    sort_by=st.sampled_from(["id", "price", "rating", "name"]),
    order=st.sampled_from(["asc", "desc"]),
    page=st.integers(1, 6),
    page_size=st.integers(1, 15),
)

existing_ids = st.integers(1, len(DEMO_PRODUCTS) + 5)
writes = st.one_of(
    st.tuples(st.just("price"), existing_ids, new_prices),
    st.tuples(st.just("stock"), existing_ids, st.integers(0, 3)),
    st.tuples(st.just("rating"), existing_ids, st.integers(0, 50)),
    st.tuples(st.just("category"), existing_ids, st.integers(1, 5)),
    st.tuples(st.just("brand"), existing_ids, st.sampled_from([*BRANDS, "SOUNDMAX", "New Co"])),
    st.tuples(
        st.just("name"),
        existing_ids,
        st.sampled_from(["Aardvark Keyboard", "zz top", "M", "\u212aettle"]),
    ),
    st.tuples(st.just("seller"), existing_ids, st.sampled_from([None, 1, 2])),
    st.tuples(st.just("deleted"), existing_ids, st.none()),
    st.tuples(st.just("gone"), existing_ids, st.none()),
    st.tuples(st.just("new"), st.integers(0, 30), new_prices),
)


async def apply(tx: Tx, write: tuple[str, int, Any]) -> None:
    kind, product_id, value = write
    product = Product.id == product_id
    columns = {
        "price": "price_cents",
        "stock": "stock",
        "rating": "rating_tenths",
        "category": "category_id",
        "brand": "brand",
        "name": "name",
        "seller": "seller_id",
    }
    if kind == "stock":  # through a movement, as every change of stock is
        if await tx.scalar(select(Product.id).where(product)) is not None:
            await set_product(tx, product_id, stock=value)
    elif kind in columns:
        await tx.execute(update(Product).where(product).values({columns[kind]: value}))
    elif kind == "deleted":
        await tx.execute(update(Product).where(product).values(deleted_at=utcnow()))
    elif kind == "gone":
        await forget_product(tx, product_id)
    else:  # a new product, at an id above the others or in a gap below them
        new_id = FIRST_NEW_ID + product_id if product_id % 2 else 40 + product_id
        await forget_product(tx, new_id)
        await tx.execute(
            insert(Product).values(
                id=new_id,
                name=f"New keyboard {product_id}",
                description="Fresh 100% stock",
                brand="New Co",
                category_id=1 + product_id % 5,
                price_cents=value,
                rating_tenths=product_id,
                stock=product_id % 3,
            )
        )
        await inventory.initial_stock(tx, new_id, product_id % 3, "test")


async def forget_product(tx: Tx, product_id: int) -> None:
    """A product gone from the table altogether, with its stock's history."""
    await tx.execute(delete(StockMovement).where(StockMovement.product_id == product_id))
    await tx.execute(delete(Product).where(Product.id == product_id))


async def add_sellers(tx: Tx) -> None:
    await tx.execute(delete(Seller))
    await tx.execute(
        insert(Seller),
        [
            {"id": n, "username": f"seller{n}", "password_hash": "x", "created_at": utcnow()}
            for n in (1, 2)
        ],
    )


@pytest.fixture
async def indexed(database: Database) -> AsyncIterator[CatalogIndex]:
    await database.write(add_sellers)
    holder = CatalogIndex()
    holder.builder = lambda: database.read(build)
    holder.index = await database.read(build)
    yield holder
    database.memo.pop(INDEX_MEMO, None)


async def both_answers(
    database: Database, holder: CatalogIndex, query: ProductQuery
) -> tuple[dict[str, Any], dict[str, Any]]:
    database.memo.pop(INDEX_MEMO, None)
    expected = await database.read(search_products, query)
    database.memo[INDEX_MEMO] = holder
    try:
        answer = await database.read(search_products, query)
    finally:
        database.memo.pop(INDEX_MEMO, None)
    return expected, answer


async def index_version(database: Database, holder: CatalogIndex) -> ProductIndex | None:
    return await database.read(holder.at)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.tuples(st.lists(writes, max_size=3), queries), min_size=1, max_size=8))
async def test_the_index_answers_like_sql_through_interleaved_writes(
    database: Database,
    indexed: CatalogIndex,
    steps: list[tuple[list[tuple[str, int, Any]], ProductQuery]],
) -> None:
    for changes, query in steps:
        for change in changes:
            await database.write(apply, change)
        expected, answer = await both_answers(database, indexed, query)
        assert answer == expected, query
        assert await index_version(database, indexed) is indexed.index  # it caught up


async def the_index_answers_itself(
    database: Database, indexed: CatalogIndex, query: ProductQuery
) -> None:
    index = indexed.index
    assert index is not None
    expected, _ = await both_answers(database, indexed, query)
    found = None
    if query.search is not None:
        term = query.search.lower()
        found = index.mask_of(
            np.array(
                [
                    product_id
                    for product_id, product in enumerate(DEMO_PRODUCTS, start=1)
                    if term in product.name.lower() or term in product.description.lower()
                ],
                dtype=np.int64,
            )
        )
    matches = index.matching(query, found)
    assert matches.total == expected["total"]
    assert index.page(query, matches) == [product["id"] for product in expected["products"]]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries)
async def test_every_query_is_answered_by_the_index_itself(
    database: Database, indexed: CatalogIndex, query: ProductQuery
) -> None:
    """Not a fallback to SQL: the index's own answer matches, and the database is asked only
    for the search's matches and the page's products."""
    await the_index_answers_itself(database, indexed, query)


# Queries that match some products of the small demo catalog more often than not.
broad_queries = st.builds(
    ProductQuery,
    category_id=st.none() | st.integers(1, 6),
    min_price_cents=st.none() | st.sampled_from(PRICES),
    max_price_cents=st.none() | st.sampled_from(PRICES),
    min_rating_tenths=st.none() | st.integers(30, 48),
    in_stock=st.booleans(),
    search=st.none() | st.sampled_from(["e", "o"]),
    sort_by=st.sampled_from(["id", "price", "rating", "name"]),
    order=st.sampled_from(["asc", "desc"]),
    page=st.integers(1, 3),
    page_size=st.integers(1, 6),
)


@pytest.mark.parametrize("always", [True, False], ids=["slices-sorts", "masks-walks"])
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=broad_queries)
# Walking the name order with a lowest rating: the rating's bounds are not the name order's.
@example(query=ProductQuery(min_rating_tenths=44, sort_by="name", page_size=1))
async def test_every_plan_of_the_index_answers_like_sql(
    database: Database,
    indexed: CatalogIndex,
    monkeypatch: pytest.MonkeyPatch,
    always: bool,
    query: ProductQuery,
) -> None:
    """Whatever the catalog's size would choose: a slice of an order or a mask over every row,
    sorting the matches (partitioned first) or walking a sort order."""
    monkeypatch.setattr(catalog_index, "BASE_SHARE", 0 if always else 10**9)
    monkeypatch.setattr(catalog_index, "PARTITION_SHARE", 0 if always else 10**9)
    monkeypatch.setattr(catalog_index, "WALK_SHARE", 0 if always else 10**9)
    await the_index_answers_itself(database, indexed, query)


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("min_rating", [10, 30, 37, 45])
async def test_a_lowest_rating_does_not_cut_the_walk_of_the_name_order(
    database: Database,
    indexed: CatalogIndex,
    monkeypatch: pytest.MonkeyPatch,
    min_rating: int,
    order: str,
) -> None:
    """The bounds of a query cut the price and rating orders only: a page by name walks the
    name order from its start."""
    monkeypatch.setattr(catalog_index, "BASE_SHARE", 10**9)
    monkeypatch.setattr(catalog_index, "WALK_SHARE", 10**9)
    query = ProductQuery(min_rating_tenths=min_rating, sort_by="name", order=order, page_size=12)
    await the_index_answers_itself(database, indexed, query)


async def test_an_index_behind_a_pruned_change_log_is_rebuilt_while_sql_answers(
    database: Database, indexed: CatalogIndex
) -> None:
    async def restock_all(tx: Tx) -> None:
        for product_id in range(1, len(DEMO_PRODUCTS) + 1):
            await inventory.adjust(tx, product_id, 100, "Delivery", "test")

    async def prune(tx: Tx) -> None:
        await tx.execute(delete(CatalogChange))

    await database.write(restock_all)
    await database.write(prune)
    query = ProductQuery(min_stock=150, sort_by="price", page_size=50)
    database.memo[INDEX_MEMO] = indexed
    try:
        assert await index_version(database, indexed) is None  # the log misses rows: SQL
        await indexed.wait_for_rebuild()
        assert await index_version(database, indexed) is indexed.index
    finally:
        database.memo.pop(INDEX_MEMO, None)
    expected, answer = await both_answers(database, indexed, query)
    assert answer == expected
    assert expected["total"] == sum(p.stock + 100 >= 150 for p in DEMO_PRODUCTS)


async def test_pruning_the_change_log_keeps_the_latest_moves_and_the_index_follows(
    database: Database, indexed: CatalogIndex
) -> None:
    for price in (101, 102, 103, 104, 105):
        await database.write(apply, ("price", 1, price))

    async def versions(tx: Tx) -> list[int]:
        statement = select(CatalogChange.version).order_by(CatalogChange.version)
        return list((await tx.execute(statement)).scalars())

    before = await database.read(versions)
    assert await database.write(catalog_index.prune_changes, keep=3) == len(before) - 3
    assert await database.read(versions) == before[-3:]
    await database.write(apply, ("price", 2, 106))
    database.memo[INDEX_MEMO] = indexed
    try:
        assert await index_version(database, indexed) is None  # behind the rows left: SQL
        await indexed.wait_for_rebuild()
    finally:
        database.memo.pop(INDEX_MEMO, None)
    expected, answer = await both_answers(database, indexed, ProductQuery(sort_by="price"))
    assert answer == expected


async def test_a_text_whose_letters_fold_into_ascii_leaves_the_search_to_the_database(
    database: Database, indexed: CatalogIndex
) -> None:
    """SQLite's search index reads the Kelvin sign as a `k`: so must the index's answers."""
    await database.write(apply, ("name", 3, "\u212aeyboard Deluxe"))
    for term in ("eyb", "keyboard", "KEY"):
        expected, answer = await both_answers(database, indexed, ProductQuery(search=term))
        assert answer == expected
    assert indexed.index is not None and indexed.index.words is not None
    assert indexed.index.words.folding


async def test_prices_beyond_32_bits_keep_their_column_wide(
    database: Database, indexed: CatalogIndex
) -> None:
    """The index keeps prices in 32 bits while they fit: one beyond is patched in by widening
    the column, and a build over it makes it wide from the start."""
    assert indexed.index is not None and indexed.index.price.dtype == np.int32
    assert indexed.index.ids.dtype == np.int32
    query = ProductQuery(min_price_cents=2**31, sort_by="price", order="desc")
    await database.write(apply, ("price", 2, 3_000_000_000))
    expected, answer = await both_answers(database, indexed, query)
    assert answer == expected and [p["id"] for p in expected["products"]] == [2]
    assert indexed.index.price.dtype == np.int64
    built = await database.read(build)
    assert built.price.dtype == np.int64 and int(built.price[1]) == 3_000_000_000


def test_word_lists_keep_bitmaps_steps_and_positions_alike() -> None:
    """Words in most products (bitmaps), in few close together (steps) and in few far apart
    (positions, a step beyond 16 bits) are found where they are, also after a move."""
    size = 70_000
    far = {0, 3, 69_999}
    names = [
        f"lamp {'common' if n % 3 else 'plain'}{' far' if n in far else ''}"
        + (" near" if n % 1_000 == 7 else "")
        for n in range(size)
    ]
    builder = WordListsBuilder()
    for first in range(0, size, 2_001):  # chunks of an odd size: bytes of bitmaps shared
        builder.add(names[first : first + 2_001], [""] * len(names[first : first + 2_001]))
    lists = builder.build()
    assert lists.bitmaps and len(lists.steps) and len(lists.positions)
    reversed_order = np.arange(size)[::-1].copy()
    moved = lists.moved(reversed_order, size + 1)
    for term in ("far", "near", "common", "plain", "lamp", "a", "zzz"):
        expected = np.array([term in name for name in names])
        found = lists.matches(term, size)
        assert found is not None and (found == expected).all(), term
        found = moved.matches(term, size + 1)
        assert found is not None and (found[:size] == expected[::-1]).all() and not found[size]


@given(
    names=st.lists(st.text(alphabet="ab1", min_size=1, max_size=7), min_size=1, max_size=30),
    term=st.text(alphabet="ab1", min_size=1, max_size=3),
)
def test_word_lists_find_a_term_in_every_word_holding_it(names: list[str], term: str) -> None:
    """Terms held several times by a word, by words inside other words, or by none."""
    builder = WordListsBuilder()
    builder.add(names, [""] * len(names))
    found = builder.build().matches(term, len(names))
    assert found is not None
    assert found.tolist() == [term in name for name in names]


async def test_metrics_show_the_index_of_the_process_and_zero_while_it_builds(
    database: Database, indexed: CatalogIndex
) -> None:
    async def families() -> dict[str, float]:
        text = (await exposition(database, ())).decode()
        return {
            family.name: family.samples[0].value
            for family in text_string_to_metric_families(text)
            if family.name.startswith("shopkeep_catalog_index")
        }

    assert await families() == {}  # no index in this process
    database.memo[INDEX_MEMO] = indexed
    try:
        assert indexed.index is not None
        shown = await families()
        assert shown["shopkeep_catalog_index_products"] == indexed.index.size > 0
        assert shown["shopkeep_catalog_index_bytes"] == indexed.index.nbytes()
        database.memo[INDEX_MEMO] = CatalogIndex()  # its first build under way
        assert (await families())["shopkeep_catalog_index_products"] == 0
    finally:
        database.memo.pop(INDEX_MEMO, None)


async def test_a_large_sqlite_catalog_is_indexed_in_a_process_of_its_own(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.dialect != "sqlite":
        pytest.skip("PostgreSQL reads do not block the event loop: its builds stay in-process")
    monkeypatch.setattr(catalog_index, "APART_PRODUCTS", 0)
    apart = await catalog_index._build_sqlite(database)
    here = await database.read(build)
    assert apart.size == here.size == len(DEMO_PRODUCTS)
    for name in ("ids", "price", "category", "text_hash", "listed"):
        assert np.array_equal(getattr(apart, name), getattr(here, name)), name
    assert apart.orders.keys() == here.orders.keys()
    assert all(np.array_equal(apart.orders[k], here.orders[k]) for k in here.orders)  # type: ignore[arg-type]
    query = ProductQuery(search="e", sort_by="name", page_size=20)
    assert apart.words is not None and here.words is not None
    assert np.array_equal(apart.words.matches("e", apart.size), here.words.matches("e", here.size))  # type: ignore[arg-type]
    assert apart.page(query, apart.matching(query, None)) == here.page(
        query, here.matching(query, None)
    )
