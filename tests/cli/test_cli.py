"""The `shopkeep` command: migrations, seeding, order expiry."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SHOPKEEP = str(Path(sys.executable).with_name("shopkeep"))


def shopkeep(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [SHOPKEEP, *args],
        env={**os.environ, "SHOPKEEP_DATA_DIR": str(data_dir), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def query(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "shopkeep.db") as connection:
        return connection.execute(sql).fetchall()


def test_db_upgrade_creates_the_sqlite_database_in_the_data_dir(tmp_path: Path) -> None:
    assert "up to date" in shopkeep(tmp_path, "db", "upgrade")
    assert (tmp_path / "shopkeep.db").exists()
    assert query(tmp_path, "SELECT count(*) FROM products") == [(0,)]


def test_db_seed_loads_the_demo_catalog_and_refuses_to_load_twice(tmp_path: Path) -> None:
    shopkeep(tmp_path, "db", "seed")
    assert query(tmp_path, "SELECT name, price_cents, stock FROM products WHERE id = 3") == [
        ("Mechanical Keyboard", 8999, 75)
    ]
    result = subprocess.run(
        [SHOPKEEP, "db", "seed"],
        env={**os.environ, "SHOPKEEP_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "--reset" in result.stderr


def test_db_seed_products_builds_a_large_catalog_and_reset_replaces_it(tmp_path: Path) -> None:
    shopkeep(tmp_path, "db", "seed", "--products", "3000")
    assert query(tmp_path, "SELECT count(*) FROM products") == [(3000,)]
    assert query(tmp_path, "SELECT sum(product_count) FROM categories") == [(3000,)]
    shopkeep(tmp_path, "db", "seed", "--reset")
    assert query(tmp_path, "SELECT count(*) FROM products") == [(48,)]
    hits = query(
        tmp_path,
        "SELECT id FROM products WHERE lower(name) LIKE '%keyboard%' "
        "OR lower(description) LIKE '%keyboard%'",
    )
    assert hits == [(3,)]


@pytest.mark.parametrize("products", ["0", "1000001", "many"])
def test_db_seed_refuses_absurd_sizes(tmp_path: Path, products: str) -> None:
    result = subprocess.run(
        [SHOPKEEP, "db", "seed", "--products", products],
        env={**os.environ, "SHOPKEEP_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert not (tmp_path / "shopkeep.db").exists()


def test_orders_expire_returns_overdue_stock(tmp_path: Path) -> None:
    shopkeep(tmp_path, "db", "seed")
    with sqlite3.connect(tmp_path / "shopkeep.db") as connection:
        old = "2026-01-01 00:00:00.000000"
        connection.execute(
            "INSERT INTO carts (id, status, created_at, updated_at) VALUES (?, 'open', ?, ?)",
            ("c" * 32, old, old),
        )
        connection.execute(
            "INSERT INTO orders (id, cart_id, status, total_cents, currency, created_at, "
            "updated_at, expires_at) VALUES (?, ?, 'pending_payment', 8999, 'USD', ?, ?, ?)",
            ("o" * 32, "c" * 32, old, old, old),
        )
        connection.execute(
            "INSERT INTO order_lines (order_id, product_id, name, unit_price_cents, quantity) "
            "VALUES (?, 3, 'Mechanical Keyboard', 8999, 1)",
            ("o" * 32,),
        )
        connection.execute("UPDATE products SET stock = stock - 1 WHERE id = 3")
    assert "Expired 1 orders." in shopkeep(tmp_path, "orders", "expire")
    assert query(tmp_path, "SELECT status FROM orders") == [("expired",)]
    assert query(tmp_path, "SELECT stock FROM products WHERE id = 3") == [(75,)]
    assert "Expired 0 orders." in shopkeep(tmp_path, "orders", "expire")


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("SHOPKEEP_DB_POOL_SIZE", "-1", "SHOPKEEP_DB_POOL_SIZE='-1': Input should be greater"),
        ("SHOPKEEP_DB_POOL_SIZE", "1E-99999", "SHOPKEEP_DB_POOL_SIZE='1E-99999': Input should"),
        ("SHOPKEEP_CATALOG_CACHE_MB", "é", "SHOPKEEP_CATALOG_CACHE_MB='é': Input should"),
        ("SHOPKEEP_DB_POOL_SIZE", "9" * 5000, "SHOPKEEP_DB_POOL_SIZE='" + "9" * 80 + "':"),
    ],
)
def test_a_setting_out_of_bounds_is_refused_with_its_name_before_anything_runs(
    tmp_path: Path, name: str, value: str, shown: str
) -> None:
    result = subprocess.run(
        [SHOPKEEP, "db", "upgrade"],
        env={**os.environ, "SHOPKEEP_DATA_DIR": str(tmp_path), name: value},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("Error: " + shown), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "shopkeep.db").exists()  # nothing ran
