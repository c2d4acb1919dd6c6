"""Checkout workloads: carts prepared over HTTP for wrk, and the raw-SQL loop beside it."""

from __future__ import annotations

import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.catalog import PRODUCT_COLUMNS, connect_readonly

CartLines = list[tuple[int, int]]  # (product_id, quantity)

MIN_STOCK = 20  # only products with plenty of stock, and each used for at most half of it
PREPARE_THREADS = 4


def plan_carts(db_path: Path, carts: int, rng: random.Random) -> list[CartLines]:
    """One or two lines of quantity 1 per cart, using at most half of any product's stock."""
    with closing(connect_readonly(db_path)) as conn:
        rows = conn.execute(
            "SELECT id, stock FROM products WHERE stock >= ? ORDER BY id", (MIN_STOCK,)
        ).fetchall()
    products = _round_robin({product_id: stock // 2 for product_id, stock in rows})
    plans: list[CartLines] = []
    for _ in range(carts):
        picked = {next(products, None) for _ in range(rng.choice((1, 2)))}
        if None in picked:
            break  # the catalog has too little stock for more carts
        plans.append([(product_id, 1) for product_id in picked if product_id is not None])
    return plans


def _round_robin(capacity: dict[int, int]) -> Iterator[int]:
    """Product ids in turn, each as many times as its capacity allows."""
    while capacity:
        for product_id in list(capacity):
            yield product_id
            capacity[product_id] -= 1
            if capacity[product_id] == 0:
                del capacity[product_id]


def prepare_carts(base_url: str, plans: list[CartLines]) -> list[str]:
    """Create every planned cart through the store API; returns the cart ids in plan order."""
    cart_ids: list[str] = [""] * len(plans)
    stop = threading.Event()  # one failure (or Ctrl-C) stops every thread after its current cart

    def create_share(first: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30.0) as client:
            for index in range(first, len(plans), PREPARE_THREADS):
                if stop.is_set():
                    return
                try:
                    cart_ids[index] = _create_cart(client, plans[index])
                except BaseException:
                    stop.set()
                    raise

    # blocking clients on a few threads: several times faster than httpx's async client here
    with ThreadPoolExecutor(PREPARE_THREADS) as pool:
        try:
            list(pool.map(create_share, range(PREPARE_THREADS)))
        except BaseException:
            stop.set()
            raise
    return cart_ids


def _create_cart(client: httpx.Client, lines: CartLines) -> str:
    response = client.post("/cart")
    _expect_success(response)
    cart_id: str = response.json()["cart_id"]
    for product_id, quantity in lines:
        item = {"product_id": product_id, "quantity": quantity}
        _expect_success(client.post(f"/cart/{cart_id}/items", json=item))
    return cart_id


def _expect_success(response: httpx.Response) -> None:
    if not response.is_success:
        request = response.request
        raise RuntimeError(
            f"preparing carts: {request.method} {request.url.path} answered "
            f"{response.status_code}: {response.text[:300]}"
        )


# --- the raw-SQL loop: the same transaction, in-process, on scratch tables ---

SCRATCH_SCHEMA = """
CREATE TABLE products (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, brand TEXT NOT NULL,
    category_id INTEGER NOT NULL, price_cents INTEGER NOT NULL, rating_tenths INTEGER NOT NULL,
    stock INTEGER NOT NULL, seller_id INTEGER
);
CREATE TABLE carts (id TEXT PRIMARY KEY, status TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE cart_items (
    cart_id TEXT NOT NULL REFERENCES carts(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL,
    PRIMARY KEY (cart_id, product_id)
);
CREATE TABLE orders (
    id TEXT PRIMARY KEY, cart_id TEXT NOT NULL, status TEXT NOT NULL,
    total_cents INTEGER NOT NULL, created_at REAL NOT NULL
);
CREATE TABLE order_items (
    order_id TEXT NOT NULL REFERENCES orders(id), product_id INTEGER NOT NULL,
    name TEXT NOT NULL, price_cents INTEGER NOT NULL, quantity INTEGER NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
"""
CART_LINES_SQL = """
SELECT ci.product_id, ci.quantity, p.name, p.price_cents
FROM cart_items ci JOIN products p ON p.id = ci.product_id
WHERE ci.cart_id = ? ORDER BY ci.product_id
"""
CARTS_PER_BATCH = 20_000


@dataclass
class RawLoopResult:
    synchronous: str
    checkouts: int
    failed: int
    seconds: float

    @property
    def per_s(self) -> float:
        return self.checkouts / self.seconds if self.seconds else 0.0


def raw_checkout_loop(
    source_db: Path, scratch_db: Path, synchronous: str, duration_s: float
) -> RawLoopResult:
    """Check out prepared carts one transaction at a time for `duration_s` of transaction time."""
    _remove_database(scratch_db)
    try:
        with closing(sqlite3.connect(scratch_db, isolation_level=None)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={synchronous}")
            product_ids = _create_scratch(conn, source_db)
            return _timed_checkouts(conn, product_ids, synchronous, duration_s)
    finally:
        _remove_database(scratch_db)


def _create_scratch(conn: sqlite3.Connection, source_db: Path) -> list[int]:
    conn.executescript(SCRATCH_SCHEMA)
    with closing(connect_readonly(source_db)) as source:
        rows = source.execute(f"SELECT {PRODUCT_COLUMNS} FROM products").fetchall()
    conn.execute("BEGIN")
    # stock large enough that the loop measures the transaction, never an out-of-stock refusal
    conn.executemany(
        "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row[:7], 1_000_000_000, row[8]) for row in rows],
    )
    conn.execute("COMMIT")
    return [row[0] for row in rows]


def _timed_checkouts(
    conn: sqlite3.Connection, product_ids: list[int], synchronous: str, duration_s: float
) -> RawLoopResult:
    rng = random.Random(7)
    elapsed, checkouts, failed = 0.0, 0, 0
    while elapsed < duration_s:
        cart_ids = _insert_carts(conn, product_ids, rng, CARTS_PER_BATCH)
        started = time.perf_counter()
        for cart_id in cart_ids:
            if checkout_cart(conn, cart_id):
                checkouts += 1
            else:
                failed += 1
            if elapsed + time.perf_counter() - started >= duration_s:
                break
        elapsed += time.perf_counter() - started
    return RawLoopResult(synchronous, checkouts, failed, elapsed)


def _insert_carts(
    conn: sqlite3.Connection, product_ids: list[int], rng: random.Random, count: int
) -> list[str]:
    cart_ids = [secrets.token_hex(16) for _ in range(count)]
    now = time.time()
    items = [
        (cart_id, product_id, 1)
        for cart_id in cart_ids
        for product_id in rng.sample(product_ids, rng.randint(1, 2))
    ]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO carts VALUES (?, 'open', ?)", [(c, now) for c in cart_ids])
    conn.executemany("INSERT INTO cart_items VALUES (?, ?, ?)", items)
    conn.execute("COMMIT")
    return cart_ids


def checkout_cart(conn: sqlite3.Connection, cart_id: str) -> bool:
    """The store's checkout as one transaction; False (and nothing written) when it cannot."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        lines = conn.execute(CART_LINES_SQL, (cart_id,)).fetchall()
        if not lines or not all(
            _take_stock(conn, product_id, qty) for product_id, qty, *_ in lines
        ):
            conn.execute("ROLLBACK")
            return False
        order_id = secrets.token_hex(16)
        now = time.time()
        total_cents = sum(quantity * price for _, quantity, _, price in lines)
        conn.execute(
            "INSERT INTO orders VALUES (?, ?, 'pending_payment', ?, ?)",
            (order_id, cart_id, total_cents, now),
        )
        conn.executemany(
            "INSERT INTO order_items VALUES (?, ?, ?, ?, ?)",
            [(order_id, product_id, name, price, qty) for product_id, qty, name, price in lines],
        )
        conn.execute(
            "UPDATE carts SET status = 'ordered', updated_at = ? WHERE id = ?", (now, cart_id)
        )
        conn.execute("COMMIT")
        return True
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _take_stock(conn: sqlite3.Connection, product_id: int, quantity: int) -> bool:
    cursor = conn.execute(
        "UPDATE products SET stock = stock - ? WHERE id = ? AND stock >= ?",
        (quantity, product_id, quantity),
    )
    return cursor.rowcount == 1


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
