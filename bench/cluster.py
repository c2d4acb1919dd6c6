"""Checkouts and cold catalog queries through `make cluster`'s nginx (two store processes on
PostgreSQL), printed beside pgbench running the raw loop's checkout transaction on the same
server with 8 clients: `python -m bench.cluster [--duration S] [--carts N]`.

pgbench's transaction is the one `bench.checkout`'s raw loop runs on SQLite (take the stock
under a condition, add the order and its line), written in SQL on scratch tables of the same
shape: the database's own rate for the work a checkout must do, without HTTP or Python.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.checkout import CartLines, prepare_carts
from bench.wrk import WrkResult, checkout_script, rotating_script, run_wrk
from shopkeep.cluster import Cluster, running_cluster
from shopkeep.cluster.postgres import as_owner, find_bindir

CONNECTIONS = 32
THREADS = 2
PGBENCH_CLIENTS = 8
CATALOG_PRODUCTS = 2000

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
    plans = plans_from_catalog(cluster.store_url, carts)
    log(f"preparing {len(plans):,} carts through nginx ...")
    started = time.monotonic()
    ids = prepare_carts(cluster.store_url, plans)
    log(f"  prepared in {time.monotonic() - started:.1f} s")
    ids_file = work / "carts.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    return _wrk(cluster, work / "checkout.lua", checkout_script(ids_file, THREADS), duration)


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


def pgbench(cluster: Cluster, work: Path, duration: float) -> float:
    """Transactions per second of the raw checkout transaction, 8 clients."""
    bindir = find_bindir()
    assert bindir is not None
    match = re.match(r"postgresql\+asyncpg://(\w+)@([\d.]+):(\d+)/(\w+)", cluster.database_url)
    assert match, cluster.database_url
    user, host, port, name = match.groups()
    connect = ["-h", host, "-p", port, "-U", user]
    subprocess.run(
        [str(bindir / "psql"), *connect, "-q", "-v", "ON_ERROR_STOP=1", "-c", PGBENCH_SCHEMA, name],
        check=True,
        capture_output=True,
    )
    script = work / "checkout.sql"
    script.write_text(PGBENCH_CHECKOUT)
    script.chmod(0o644)
    work.chmod(0o755)
    done = subprocess.run(
        as_owner(
            [
                *(str(bindir / "pgbench"), *connect, "-n", "-c", str(PGBENCH_CLIENTS), "-j", "2"),
                *("-T", str(int(duration)), "-f", str(script), name),
            ]
        ),
        check=True,
        capture_output=True,
        text=True,
    )
    tps = re.search(r"tps = ([\d.]+)", done.stdout)
    assert tps, done.stdout
    return float(tps.group(1))


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
            tps = pgbench(cluster, work, options.duration)
    print("Through make cluster's nginx, 2 store processes on PostgreSQL:")
    print(f"  cold catalog GET /products?...     {describe(cold)}")
    print(f"  checkouts POST /cart/{{id}}/checkout {describe(checkout)}")
    if checkout.exhausted:
        print(f"  (the prepared carts ran out: {checkout.exhausted} thread stops)")
    print(f"  pgbench, raw checkout transaction, {PGBENCH_CLIENTS} clients: {tps:,.0f}/s")
    print(f"  checkouts / pgbench: {checkout.ok_per_s / tps:.2f}x (target >= 0.50x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
