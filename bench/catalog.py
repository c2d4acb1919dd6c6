"""Reading the catalog straight from the SQLite file, shared by the comparison apps.

The JSON shape matches the store's `GET /products` items (SPEC §3.2), so that every server in
the benchmark sends comparable bytes.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import orjson

DB_ENV = "SHOPKEEP_BENCH_DB"
DEFAULT_PAGE_SIZE = 10

PRODUCT_COLUMNS = (
    "id, name, description, brand, category_id, price_cents, rating_tenths, stock, seller_id"
)

Product = dict[str, Any]


def database_path() -> Path:
    """The SQLite file named by the environment (set by bench.run for the apps it starts)."""
    value = os.environ.get(DB_ENV)
    if not value:
        raise RuntimeError(f"{DB_ENV} must name the SQLite database to read")
    return Path(value)


def connect_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def product_from_row(row: tuple[Any, ...]) -> Product:
    """One products row (in PRODUCT_COLUMNS order) as the API shows it."""
    product_id, name, description, brand, category_id, cents, tenths, stock, seller_id = row
    return {
        "id": product_id,
        "name": name,
        "description": description,
        "brand": brand,
        "category_id": category_id,
        "price": round(cents / 100, 2),
        "rating": round(tenths / 10, 1),
        "stock": stock,
        "image_url": f"/static/products/{product_id}.svg",
        "seller_id": seller_id,
    }


def load_products(conn: sqlite3.Connection) -> list[Product]:
    rows = conn.execute(f"SELECT {PRODUCT_COLUMNS} FROM products ORDER BY id").fetchall()
    return [product_from_row(row) for row in rows]


def load_categories(conn: sqlite3.Connection) -> dict[int, dict[str, Any]]:
    rows = conn.execute("SELECT id, name FROM categories ORDER BY id").fetchall()
    return {category_id: {"id": category_id, "name": name} for category_id, name in rows}


def default_page_bytes(path: Path) -> bytes:
    """The JSON of `GET /products` with no parameters: page 1 of 10, ordered by id."""
    with closing(connect_readonly(path)) as conn:
        (total,) = conn.execute("SELECT count(*) FROM products").fetchone()
        rows = conn.execute(
            f"SELECT {PRODUCT_COLUMNS} FROM products ORDER BY id LIMIT ?", (DEFAULT_PAGE_SIZE,)
        ).fetchall()
    page = {
        "total": total,
        "page": 1,
        "page_size": DEFAULT_PAGE_SIZE,
        "products": [product_from_row(row) for row in rows],
    }
    return orjson.dumps(page)
