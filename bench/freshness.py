"""Checking that hot answers kept in memory follow a change made by another process.

The store answers repeated catalog requests from memory. After the measurements, this process
(standing for a seller's change made through any other process) changes a product straight in
the SQLite file, and the very next hot requests must show the change; then it is undone, and
the next requests must show that too.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx

from bench.report import Check

PRODUCT = 3  # the seed's Mechanical Keyboard, found by `search=keyboard`


def check_freshness(base_url: str, db_path: Path) -> list[Check]:
    detail, search = f"/products/{PRODUCT}", "/products?search=keyboard"
    in_stock = "/products?search=keyboard&in_stock=true"
    with (
        httpx.Client(base_url=base_url, timeout=30.0) as client,
        closing(sqlite3.connect(db_path, timeout=30.0)) as conn,
    ):

        def hot(path: str) -> Any:
            client.get(path)  # the second answer comes from memory
            response = client.get(path)
            response.raise_for_status()
            return response.json()

        before = hot(detail)
        hot(search), hot(in_stock)
        (cents, stock) = conn.execute(
            "SELECT price_cents, stock FROM products WHERE id = ?", (PRODUCT,)
        ).fetchone()
        with conn:
            conn.execute(
                "UPDATE products SET price_cents = ?, stock = 0 WHERE id = ?",
                (cents + 100, PRODUCT),
            )
        changed = client.get(detail).json()
        listed = _listed(client.get(search).json())
        in_stock_total = client.get(in_stock).json()["total"]
        with conn:
            conn.execute(
                "UPDATE products SET price_cents = ?, stock = ? WHERE id = ?",
                (cents, stock, PRODUCT),
            )
        restored = client.get(detail).json()
    new_price = round((cents + 100) / 100, 2)
    return [
        Check("price in the product", changed["price"] == new_price),
        Check("price in a listing", listed.get("price") == new_price),
        Check("sold out in in_stock", in_stock_total == 0 and changed["stock"] == 0),
        Check("undone", restored["price"] == before["price"] and restored["stock"] == stock),
    ]


def _listed(page: dict[str, Any]) -> dict[str, Any]:
    return next((p for p in page["products"] if p["id"] == PRODUCT), {})
