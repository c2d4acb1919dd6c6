"""Checkouts and cold catalog queries through `make cluster`'s nginx (two store processes on
PostgreSQL), printed beside pgbench running the same checkout transaction on the same server
with 8 clients: `python -m bench.cluster [--duration S] [--carts N]`.

pgbench runs two transactions:
- the store's own: the statements a checkout runs on PostgreSQL (lock the cart, read and lock
  its lines, then one statement that takes the stock and writes the order, its lines and their
  movements), compiled from the store's code, on carts of one line like the ones checked out
  over HTTP: the database's rate for what a checkout asks of it, without HTTP or Python. The
  target is measured against this one.
- the raw loop's of `bench.checkout` (take the stock under a condition, add the order and its
  line), in SQL on scratch tables of the same shape: the least work a checkout could be.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy.dialects.postgresql import asyncpg

from bench.checkout import CartLines, prepare_carts
from bench.wrk import WrkResult, checkout_script, rotating_script, run_wrk
from shopkeep.carts.service import _locked_cart_status
from shopkeep.cluster import Cluster, running_cluster
from shopkeep.cluster.postgres import as_owner, find_bindir
from shopkeep.db import Prepared
from shopkeep.inventory import service as inventory
from shopkeep.orders.models import PENDING_PAYMENT
from shopkeep.orders.service import _cart_lines_statement, _place_on_postgresql

CONNECTIONS = 32
THREADS = 2
PGBENCH_CLIENTS = 8
CATALOG_PRODUCTS = 2000
# Checkouts before the measured ones, so that it starts from a shop with orders.
WARMUP_CARTS = 1000
WARMUP_S = 2.0

PGBENCH_SCHEMA = """
DROP SCHEMA IF EXISTS bench_raw CASCADE;
CREATE SCHEMA bench_raw;
CREATE TABLE bench_raw.products (
    id integer PRIMARY KEY, name text NOT NULL, price_cents integer NOT NULL,
    stock integer NOT NULL
);
INSERT INTO bench_raw.products
    SELECT n, 'Product ' || n, 1000 + n, 1000000000 FROM generate_series(1, 1000) AS n;
CREATE TABLE bench_raw.orders (
    id bigserial PRIMARY KEY, cart_id text NOT NULL, status text NOT NULL,
    total_cents integer NOT NULL, created_at timestamptz NOT NULL
);
CREATE TABLE bench_raw.order_items (
    order_id bigint NOT NULL REFERENCES bench_raw.orders(id), product_id integer NOT NULL,
    name text NOT NULL, price_cents integer NOT NULL, quantity integer NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
"""
PGBENCH_CHECKOUT = r"""
\set product random(1, 1000)
BEGIN;
UPDATE bench_raw.products SET stock = stock - 1 WHERE id = :product AND stock >= 1;
INSERT INTO bench_raw.orders (cart_id, status, total_cents, created_at)
    SELECT md5(random()::text), 'pending_payment', price_cents, now()
    FROM bench_raw.products WHERE id = :product RETURNING id AS order_id \gset
INSERT INTO bench_raw.order_items (order_id, product_id, name, price_cents, quantity)
    SELECT :order_id, id, name, price_cents, 1 FROM bench_raw.products WHERE id = :product;
END;
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def plans_from_catalog(store_url: str, carts: int) -> list[CartLines]:
    """One line of quantity 1 per cart, each product used for at most half its stock."""
    capacity: dict[int, int] = {}
    with httpx.Client(base_url=store_url, timeout=30) as client:
        page = 1
        while True:
            body = client.get("/products", params={"page": page, "page_size": 100}).json()
            for product in body["products"]:
                if product["stock"] >= 2:
                    capacity[product["id"]] = product["stock"] // 2
            if page * 100 >= body["total"]:
                break
            page += 1
    plans: list[CartLines] = []
    while capacity and len(plans) < carts:
        for product_id in list(capacity):
            plans.append([(product_id, 1)])
            capacity[product_id] -= 1
            if capacity[product_id] == 0:
                del capacity[product_id]
    return plans[:carts]


def describe(result: WrkResult) -> str:
    return (
        f"{result.ok_per_s:>9,.0f}/s ok  p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms"
        f"  non-2xx {result.non_2xx}  socket errors {result.socket_errors}"
    )


def checkouts(cluster: Cluster, work: Path, carts: int, duration: float) -> WrkResult:
    """Checkouts of `carts` prepared carts, measured once the shop has orders: a first
    `WARMUP_CARTS` are checked out before, and the tables analyzed after them."""
    plans = plans_from_catalog(cluster.store_url, WARMUP_CARTS + carts)
    log(f"preparing {len(plans):,} carts through nginx ...")
    started = time.monotonic()
    ids = prepare_carts(cluster.store_url, plans)
    log(f"  prepared in {time.monotonic() - started:.1f} s")
    for name, chosen, seconds in (
        ("warmup", ids[:WARMUP_CARTS], WARMUP_S),
        ("checkout", ids[WARMUP_CARTS:], duration),
    ):
        ids_file = work / f"{name}-carts.txt"
        ids_file.write_text("\n".join(chosen) + "\n")
        analyze(cluster.database_url)
        done = _wrk(cluster, work / f"{name}.lua", checkout_script(ids_file, THREADS), seconds)
    return done


def cold_catalog(cluster: Cluster, work: Path, duration: float) -> WrkResult:
    """Distinct filtered queries: each path is asked for once, so no cache answers it."""
    rng = random.Random(5)
    paths = {
        f"/products?min_price={rng.randint(1, 500)}.{rng.randint(0, 99):02d}"
        f"&sort_by={rng.choice(('price', 'rating', 'name'))}&page={rng.randint(1, 3)}"
        for _ in range(60_000)
    }
    paths_file = work / "cold-paths.txt"
    paths_file.write_text("\n".join(sorted(paths)) + "\n")
    return _wrk(cluster, work / "cold.lua", rotating_script(paths_file, THREADS), duration)


def _wrk(cluster: Cluster, script: Path, lua: str, duration: float) -> WrkResult:
    """wrk through nginx with the Lua `lua`, written to `script`."""
    script.write_text(lua)
    return run_wrk(
        cluster.store_url,
        script=script,
        duration_s=duration,
        connections=CONNECTIONS,
        threads=THREADS,
    )


# pgbench's carts of the store's transaction: ids of digits, which it can count out itself.
FIRST_CART = 10**18

# The store's carts of one line (CartItem, Cart), as `plans_from_catalog` shares them out:
# one unit of each product in turn, each product for at most half the stock it has left.
STORE_CARTS = """
INSERT INTO carts (id, status, created_at, updated_at, cached_total_cents)
    SELECT ({first} + n)::text, 'open', now(), now(), 0 FROM generate_series(0, {count} - 1) AS n;
INSERT INTO cart_items (cart_id, product_id, quantity, added_at)
    SELECT ({first} + n - 1)::text, id, 1, now() FROM (
        SELECT id, row_number() OVER (ORDER BY unit, id) AS n
        FROM products, generate_series(1, stock / 2) AS unit
        WHERE deleted_at IS NULL AND stock >= 2
    ) AS units
    WHERE n <= {count};
"""


def store_transaction(at: datetime, ttl: timedelta) -> tuple[str, dict[str, str]]:
    """pgbench's script of the store's checkout transaction of a one-line cart without a
    pending order, and the values it takes with `-D`. Client c of n checks out carts c, c + n, ...;
    each order takes its cart's id as its own (`run_pgbench` gives `:clients`)."""
    # Each parameter of the store's statements: a variable of the script, else a value of
    # `-D` (a value fixed in the statement, or one the same for every checkout), else NULL.
    script_values = {
        "cart_id": "cart",
        "order_id": "cart",
        "order_total_cents": "total",
        "order_subtotal_cents": "total",
        "line_product_id": "line_product_id",
        "line_name": "line_name",
        "line_unit_price_cents": "line_price_cents",
        "line_quantity": "line_quantity",
    }
    fixed: dict[str, object] = {
        "order_status": PENDING_PAYMENT,
        "order_discount_cents": 0,
        "order_shipping_cents": 0,
        "order_currency": "USD",
        "order_created_at": at.isoformat(),
        "order_updated_at": at.isoformat(),
        "order_expires_at": (at + ttl).isoformat(),
        "line_discount_cents": 0,
        "actor": inventory.CUSTOMER,
        "reason": inventory.CHECKOUT_REASON,
        "at": at.isoformat(),
    }
    defines: dict[str, str] = {"k": "0"}
    dialect = asyncpg.dialect()  # type: ignore[no-untyped-call]

    def for_pgbench(prepared: Prepared) -> str:
        # The statement as the store compiles it, and where each of its parameters comes from.
        plan = prepared.plan(dialect, (*script_values, *fixed))
        values: list[str] = []
        for key, value, _ in plan.binds:
            if key in script_values:
                values.append(":" + script_values[key])
            elif key is None and value is None:
                values.append("NULL")
            else:
                name = key or f"fixed_{len(defines)}"  # a value fixed in the statement
                defines[name] = str(fixed[name] if key else value)
                values.append(":" + name)

        def one(match: re.Match[str]) -> str:
            value = values[int(match.group(1)) - 1]
            if match.group(3):  # an array of the cart's one line
                return f"ARRAY[{value}::{match.group(2)}]"
            return f"{value}::{match.group(2)}"

        sql = re.sub(r"\$(\d+)::(\w+(?:\(\d+\))?)(\[\])?", one, plan.sql)
        assert "$" not in sql, sql
        return sql

    script = "\n".join(
        [
            f"\\set cart {FIRST_CART} + :client_id + :clients * :k",
            "\\set k :k + 1",
            "BEGIN;",
            for_pgbench(_locked_cart_status()) + ";",
            for_pgbench(_cart_lines_statement(unless_pending=True)) + " \\gset line_",
            "\\set total :line_price_cents * :line_quantity",
            for_pgbench(_place_on_postgresql()) + ";",
            "COMMIT;",
            "",
        ]
    )
    return script, defines


def pgbench(cluster: Cluster, duration: float) -> tuple[float, float]:
    """Transactions per second of the store's checkout transaction and of the raw one, with
    8 clients each."""
    url, length = cluster.database_url, ("-T", str(int(duration)))
    psql(url, PGBENCH_SCHEMA)
    raw = run_pgbench(url, PGBENCH_CHECKOUT, {}, length)
    # Carts enough for the raw rate, which the store's transaction cannot beat.
    add_store_carts(url, int(raw * duration * 1.5) + 1000)
    script, defines = store_transaction(datetime.now(UTC), timedelta(hours=1))
    return run_pgbench(url, script, defines, length), raw


def add_store_carts(database_url: str, count: int) -> None:
    """`count` carts for `store_transaction` to check out (fewer if the stock runs short)."""
    psql(database_url, STORE_CARTS.format(first=FIRST_CART, count=count))
    analyze(database_url)


def analyze(database_url: str) -> None:
    """Statistics of the tables as they now are, as autovacuum keeps them in a running shop:
    thousands of carts just added would otherwise be planned for as the few there were."""
    psql(database_url, "ANALYZE")


def psql(database_url: str, sql: str) -> None:
    connect, name = _connection(database_url)
    command = [str(_bindir() / "psql"), *connect, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql, name]
    subprocess.run(command, check=True, capture_output=True)


def run_pgbench(
    database_url: str,
    sql: str,
    defines: dict[str, str],
    length: tuple[str, str],
    *,
    clients: int = PGBENCH_CLIENTS,
) -> float:
    """pgbench's transactions per second running `sql` for `length` (`-T` seconds or `-t`
    transactions per client), its statements prepared as the store's are; a client that fails
    stops the benchmark."""
    connect, name = _connection(database_url)
    # pgbench runs as the server's owner: the script is in a directory open to it.
    with tempfile.TemporaryDirectory(prefix="shopkeep-pgbench-") as scripts:
        script = Path(scripts) / "transaction.sql"
        script.write_text(sql)
        script.chmod(0o644)
        script.parent.chmod(0o755)
        done = subprocess.run(
            as_owner(
                [
                    *(str(_bindir() / "pgbench"), *connect, "-n", "-c", str(clients), "-j", "2"),
                    *("-M", "prepared", *length, "-f", str(script)),
                    *(f"--define={key}={value}" for key, value in defines.items()),
                    f"--define=clients={clients}",
                    name,
                ]
            ),
            capture_output=True,
            text=True,
        )
    if done.returncode != 0 or "aborted" in done.stderr:
        raise RuntimeError(f"pgbench failed:\n{done.stdout}\n{done.stderr[-2000:]}")
    tps = re.search(r"tps = ([\d.]+)", done.stdout)
    assert tps, done.stdout
    return float(tps.group(1))


def _connection(database_url: str) -> tuple[list[str], str]:
    """libpq's connection options and the database name of an asyncpg URL."""
    match = re.match(r"postgresql\+asyncpg://(\w+)@([\d.]+):(\d+)/(\w+)$", database_url)
    assert match, database_url
    user, host, port, name = match.groups()
    return ["-h", host, "-p", port, "-U", user], name


def _bindir() -> Path:
    bindir = find_bindir()
    assert bindir is not None
    return bindir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--carts", type=int, default=8000, help="carts to prepare")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopkeep-bench-cluster-") as tmp:
        work = Path(tmp)
        log("starting the cluster (PostgreSQL, nginx, 2 store + 2 web processes, sandbox) ...")
        with running_cluster() as cluster:
            subprocess.run(
                [
                    *(str(Path(sys.executable).with_name("shopkeep")), "db", "seed"),
                    *("--products", str(CATALOG_PRODUCTS), "--reset"),
                ],
                env=cluster.env,
                check=True,
                capture_output=True,
            )
            cold = cold_catalog(cluster, work, options.duration)
            checkout = checkouts(cluster, work, options.carts, options.duration)
            store, raw = pgbench(cluster, options.duration)
    print("Through make cluster's nginx, 2 store processes on PostgreSQL:")
    print(f"  cold catalog GET /products?...     {describe(cold)}")
    print(f"  checkouts POST /cart/{{id}}/checkout {describe(checkout)}")
    if checkout.exhausted:
        print(f"  (the prepared carts ran out: {checkout.exhausted} thread stops)")
    print(f"pgbench, {PGBENCH_CLIENTS} clients, on the same server:")
    for name, tps, target in (
        ("the store's checkout transaction", store, "  (target >= 0.50x)"),
        ("the raw checkout transaction", raw, ""),
    ):
        ratio = checkout.ok_per_s / tps
        print(f"  {name:<33} {tps:>9,.0f}/s   checkouts / pgbench {ratio:.2f}x{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
