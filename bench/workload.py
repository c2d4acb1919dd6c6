"""The URLs the benchmark requests, derived from the catalog actually in the database."""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

MIN_COLD_PATHS = 1_000
SEED001_FILTER = "/products?min_price=20&max_price=100&min_rating=4.0&sort_by=price&order=asc"
RATING_STEPS = (1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5)
SORTS = ("price", "rating", "name")
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Workload:
    """One measured query: a single hot path, or a rotation of cold paths."""

    key: str
    label: str
    paths: tuple[str, ...]

    @property
    def is_cold(self) -> bool:
        return len(self.paths) > 1


def hot_workloads(conn: sqlite3.Connection) -> list[Workload]:
    detail_id = _detail_product_id(conn)
    return [
        Workload("default", "hot default page", ("/products",)),
        Workload("category", "hot category page", ("/products?category_id=2",)),
        Workload("search", "hot search=keyboard", ("/products?search=keyboard",)),
        Workload("filtered", "hot seed-001 filter", (SEED001_FILTER,)),
        Workload("detail", f"hot /products/{detail_id}", (f"/products/{detail_id}",)),
    ]


def cold_workloads(conn: sqlite3.Connection, count: int, seed: int = 1) -> list[Workload]:
    searches = cold_search_paths(conn, count, random.Random(seed))
    filters = cold_filter_paths(conn, count, random.Random(seed + 1))
    return [
        Workload("cold_search", f"cold search x{len(searches)}", searches),
        Workload("cold_filter", f"cold filters x{len(filters)}", filters),
    ]


def _detail_product_id(conn: sqlite3.Connection) -> int:
    """Product 3 (the seed's Mechanical Keyboard) when present, else the first product."""
    row = conn.execute("SELECT id FROM products WHERE id = 3").fetchone()
    row = row or conn.execute("SELECT min(id) FROM products").fetchone()
    return int(row[0])


def search_terms(conn: sqlite3.Connection, count: int, rng: random.Random) -> list[str]:
    """Whole words of product names, then 3-6 letter pieces of them, as shoppers type them."""
    words: set[str] = set()
    for (name,) in conn.execute("SELECT name FROM products"):
        words.update(word for word in _WORD.findall(name.lower()) if len(word) >= 3)
    pieces = {
        word[start : start + size]
        for word in words
        for size in range(3, 7)
        for start in range(len(word) - size + 1)
    }
    whole = sorted(words)
    rng.shuffle(whole)
    chosen = whole[: count // 2]
    rest = sorted(pieces.difference(chosen))
    chosen += rng.sample(rest, min(len(rest), count - len(chosen)))
    rng.shuffle(chosen)
    return chosen


def cold_search_paths(conn: sqlite3.Connection, count: int, rng: random.Random) -> tuple[str, ...]:
    terms = search_terms(conn, count, rng)
    paths = [_products_path({"search": term}) for term in terms]
    # a small vocabulary still gives `count` distinct searches: later pages and other orders
    variants: list[dict[str, object]] = [
        {"page": 2},
        {"sort_by": "price"},
        {"sort_by": "rating", "order": "desc"},
    ]
    for variant in variants:
        if len(paths) >= count:
            break
        paths += [_products_path({"search": term, **variant}) for term in terms]
    return _distinct(paths[:count], "search")


def cold_filter_paths(conn: sqlite3.Connection, count: int, rng: random.Random) -> tuple[str, ...]:
    make = _filter_maker(conn, rng)
    paths: dict[str, None] = {}
    for _ in range(count * 20):
        if len(paths) >= count:
            break
        paths[_products_path(make())] = None
    return _distinct(list(paths), "filter")


def _filter_maker(conn: sqlite3.Connection, rng: random.Random) -> Callable[[], dict[str, object]]:
    brands_by_category: dict[int, list[str]] = {}
    for category_id, brand in conn.execute(
        "SELECT DISTINCT category_id, brand FROM products ORDER BY category_id, brand"
    ):
        brands_by_category.setdefault(category_id, []).append(brand)
    prices = [row[0] for row in conn.execute("SELECT price_cents FROM products ORDER BY 1")]
    # price bounds at the 5th, 10th, ... 95th percentiles, in whole currency units
    bounds = sorted({prices[len(prices) * pct // 100] // 100 for pct in range(5, 100, 5)})

    def make() -> dict[str, object]:
        params: dict[str, object] = {}
        category_id = rng.choice(list(brands_by_category))
        if rng.random() < 0.6:
            params["category_id"] = category_id
        if rng.random() < 0.3:
            params["brand"] = rng.choice(brands_by_category[category_id])
        if rng.random() < 0.7 and len(bounds) >= 2:
            low, high = sorted(rng.sample(bounds, 2))
            params.update(_price_range(rng, low, high))
        if rng.random() < 0.5:
            params["min_rating"] = rng.choice(RATING_STEPS)
        if rng.random() < 0.2:
            params["in_stock"] = "true"
        if rng.random() < 0.7:
            params["sort_by"] = rng.choice(SORTS)
            params["order"] = rng.choice(("asc", "desc"))
        params["page"] = 1 if rng.random() < 0.6 else rng.randint(2, 5)
        return params

    return make


def _price_range(rng: random.Random, low: int, high: int) -> dict[str, int]:
    shape = rng.random()
    if shape < 0.2:
        return {"min_price": low}
    if shape < 0.4:
        return {"max_price": high}
    return {"min_price": low, "max_price": high}


def _products_path(params: dict[str, object]) -> str:
    return f"/products?{urlencode(params)}"


def _distinct(paths: list[str], what: str) -> tuple[str, ...]:
    if len(set(paths)) < MIN_COLD_PATHS:
        raise RuntimeError(f"only {len(set(paths))} distinct {what} paths; need {MIN_COLD_PATHS}")
    return tuple(paths)
