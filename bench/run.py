"""`make bench`: Shopkeep's catalog and checkout rates against a ceiling, a floor and a baseline.

    .venv/bin/python -m bench.run [--products N] [--duration S] [--connections C] [--keep DIR]

Seeds a catalog in a temporary data directory, then measures one server at a time with wrk on
loopback: the ceiling (bare ASGI, precomputed bytes), the floor (FastAPI, the same bytes), the
naive in-memory store, and the target (the Shopkeep store, or with `--target naive` the naive store
standing in for it); then Shopkeep's storefront grid pages, each next to the store's JSON of the
same query. Prints a table of rates, latencies, ratios and targets, and writes the same
figures to <data dir>/bench.json. Exits 0 even when a target is missed; non-zero only on breakage.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from bench.agreement import Answer, collect_answers, compare, page_size_bytes
from bench.catalog import DB_ENV, connect_readonly
from bench.checkout import CartLines, RawLoopResult, plan_carts, prepare_carts, raw_checkout_loop
from bench.fixture_db import create_fixture
from bench.freshness import check_freshness
from bench.report import (
    BenchReport,
    CheckoutRun,
    PageRow,
    PostgresRun,
    QueryRow,
    StoreProcess,
    render,
    to_json,
)
from bench.servers import (
    HOST,
    Server,
    fast_server_options,
    free_port,
    largest_rss_mb,
    uvicorn_command,
    wait_for_catalog_index,
)
from bench.storefront import ask_pair, page_pairs
from bench.workload import Workload, cold_workloads, hot_workloads
from bench.wrk import WrkResult, checkout_script, rotating_script, run_wrk

WARM_UP_S = 1.0
COLD_PATHS = 2_000
AGREEMENT_SAMPLE = 10  # cold paths per list compared between naive store and target
CART_SHARE_OF_FLOOR = 0.6  # prepare carts for checkouts at up to 60% of the floor's rate
MIN_CARTS, MAX_CARTS = 2_000, 50_000
PILOT_CARTS, PILOT_S = 1_000, 1.0


@dataclass
class Options:
    products: int
    duration: float
    connections: int
    threads: int
    keep: Path | None
    target: str
    synthetic: bool
    carts: int | None
    postgres: bool


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--products", type=int, default=100_000, help="catalog size")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--keep", type=Path, help="use and keep this data directory")
    parser.add_argument(
        "--target",
        "--target-only",
        choices=("shopkeep", "naive"),
        default="shopkeep",
        help="the server measured against the references (naive: test the harness)",
    )
    parser.add_argument(
        "--synthetic", action="store_true", help="synthetic catalog instead of `shopkeep db seed`"
    )
    parser.add_argument("--carts", type=int, help="carts to prepare for the checkout run")
    parser.add_argument(
        "--postgres",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the cold queries on PostgreSQL (a server the bench starts)",
    )
    args = parser.parse_args(argv)
    return Options(
        products=args.products,
        duration=args.duration,
        connections=args.connections,
        threads=args.threads,
        keep=args.keep,
        target=args.target,
        synthetic=args.synthetic,
        carts=args.carts,
        postgres=args.postgres,
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def shopkeep_command() -> Path | None:
    """The project's `shopkeep` command beside this interpreter, when it works."""
    command = Path(sys.executable).parent / "shopkeep"
    if not command.exists():
        return None
    probe = [str(command), "db", "seed", "--help"]
    done = subprocess.run(probe, capture_output=True, timeout=120, check=False)
    return command if done.returncode == 0 else None


def describe(result: WrkResult) -> str:
    errors = result.non_2xx + result.socket_errors
    return (
        f"{result.ok_per_s:>10,.1f} req/s  p50 {result.p50_ms:8.2f} ms  "
        f"p99 {result.p99_ms:8.2f} ms" + (f"  ({errors} errors)" if errors else "")
    )


class Harness:
    """One benchmark run in one data directory."""

    def __init__(self, options: Options, data_dir: Path, shopkeep: Path | None) -> None:
        self.options = options
        self.data_dir = data_dir
        self.shopkeep = shopkeep
        self.db_path = data_dir / "shopkeep.db"
        self.synthetic = options.synthetic or shopkeep is None
        self.catalog = "synthetic fixture" if self.synthetic else "shopkeep db seed"

    # --- catalog and workloads ---

    def seed(self, env: dict[str, str] | None = None) -> float:
        started = time.monotonic()
        if self.shopkeep is None or self.synthetic:
            log(f"Creating a synthetic catalog of {self.options.products:,} products ...")
            create_fixture(self.db_path, self.options.products)
        else:
            log(f"Seeding {self.options.products:,} products with `shopkeep db seed` ...")
            command = [str(self.shopkeep), "db", "seed", "--products", str(self.options.products)]
            subprocess.run(
                [*command, "--reset"],
                env={**os.environ, **(env or self.store_env())},
                check=True,
                timeout=3600,
            )
            if env is None and not self.db_path.exists():
                raise RuntimeError(f"`shopkeep db seed` did not create {self.db_path}")
        took = time.monotonic() - started
        log(f"  done in {took:.1f} s")
        return took

    def workloads(self) -> tuple[list[Workload], int]:
        with closing(connect_readonly(self.db_path)) as conn:
            (products,) = conn.execute("SELECT count(*) FROM products").fetchone()
            workloads = hot_workloads(conn) + cold_workloads(conn, COLD_PATHS)
        return workloads, int(products)

    def sample_paths(self, workloads: list[Workload]) -> list[str]:
        return [path for workload in workloads for path in workload.paths[:AGREEMENT_SAMPLE]]

    # --- servers ---

    def store_env(self) -> dict[str, str]:
        return {"SHOPKEEP_DATA_DIR": str(self.data_dir)}

    def app_server(self, name: str, app: str) -> Server:
        port = free_port()
        return Server(
            name=name,
            command=uvicorn_command(app, port),
            port=port,
            log_path=self.data_dir / f"{name}.log",
            ready_path="/products",
            env={DB_ENV: str(self.db_path)},
        )

    def target_server(self, name: str = "shopkeep", env: dict[str, str] | None = None) -> Server:
        if self.options.target == "naive":
            return self.app_server("target-naive", "bench.naive:app")
        if self.shopkeep is None:
            raise RuntimeError("the `shopkeep` command does not work yet; try --target naive")
        port = free_port()
        command = [str(self.shopkeep), "store", "--host", HOST, "--port", str(port)]
        return Server(
            name=name,
            command=[*command, "--workers", "1"],
            port=port,
            log_path=self.data_dir / f"{name}.log",
            ready_path="/healthz",
            env=env or self.store_env(),
        )

    def storefront_server(self) -> Server:
        """`shopkeep web` on the target's data directory and database."""
        assert self.shopkeep is not None
        port = free_port()
        command = [str(self.shopkeep), "web", "--host", HOST, "--port", str(port)]
        return Server(
            name="storefront",
            command=[*command, "--workers", "1"],
            port=port,
            log_path=self.data_dir / "storefront.log",
            ready_path="/healthz",
            env=self.store_env(),
        )

    # --- measurements ---

    def wrk(self, server: Server, path: str, duration: float | None = None) -> WrkResult:
        return run_wrk(
            server.base_url,
            path=path,
            duration_s=duration or self.options.duration,
            connections=self.options.connections,
            threads=self.options.threads,
        )

    def wrk_script(
        self, server: Server, name: str, script: str, duration: float | None = None
    ) -> WrkResult:
        script_path = self.data_dir / f"{name}.lua"
        script_path.write_text(script)
        return run_wrk(
            server.base_url,
            script=script_path,
            duration_s=duration or self.options.duration,
            connections=self.options.connections,
            threads=self.options.threads,
        )

    def measure(self, server: Server, workload: Workload) -> WrkResult:
        if not workload.is_cold:
            result = self.wrk(server, workload.paths[0])
        else:
            paths_file = self.data_dir / f"{workload.key}.paths"
            paths_file.write_text("\n".join(workload.paths) + "\n")
            script = rotating_script(paths_file, self.options.threads)
            result = self.wrk_script(server, workload.key, script)
        log(f"  {server.name:<14} {workload.label:<36} {describe(result)}")
        return result

    def measure_reference(self, name: str, app: str) -> tuple[WrkResult, int]:
        with self.app_server(name, app) as server:
            self.wrk(server, "/products", WARM_UP_S)
            size = page_size_bytes(server.base_url)
            return self.measure(server, Workload(name, "GET /products", ("/products",))), size

    def measure_all(
        self, server: Server, workloads: list[Workload], sample: list[str]
    ) -> tuple[dict[str, WrkResult], dict[str, Answer], int]:
        self.wrk(server, "/products", WARM_UP_S)
        size = page_size_bytes(server.base_url)
        answers = collect_answers(server.base_url, sample)
        results = {workload.key: self.measure(server, workload) for workload in workloads}
        return results, answers, size

    def measure_storefront(self, store: Server) -> list[PageRow]:
        """Each grid page right after the JSON of the same query: a pair shares the machine's
        load of the moment. The idle server of the two waits on its socket."""
        rows = []
        with self.storefront_server() as web:
            self.wrk(web, "/", WARM_UP_S)
            for pair in page_pairs():
                answers = ask_pair(web.base_url, store.base_url, pair)
                json = self.measure(store, Workload(pair.key, pair.json_path, (pair.json_path,)))
                page = self.measure(web, Workload(pair.key, pair.page_path, (pair.page_path,)))
                rows.append(PageRow(pair, page, json, answers))
        return rows

    def measure_checkout(self, server: Server, floor: WrkResult) -> CheckoutRun:
        """A short pilot sizes the cart stock (preparing carts costs far more than using them)."""
        most = int(CART_SHARE_OF_FLOOR * floor.ok_per_s * self.options.duration)
        most = self.options.carts or max(MIN_CARTS, min(MAX_CARTS, most))
        plans = plan_carts(self.db_path, most + PILOT_CARTS, random.Random(3))
        wanted = most
        if self.options.carts is None:
            pilot = self.checkouts(server, "pilot", plans[:PILOT_CARTS], PILOT_S)
            if not pilot.exhausted:
                wanted = min(most, int(pilot.ok_per_s * self.options.duration * 1.5) + 500)
            plans = plans[PILOT_CARTS:]
        result = self.checkouts(server, "checkout", plans[:wanted], self.options.duration)
        return CheckoutRun(carts=min(wanted, len(plans)), result=result)

    def measure_postgres(
        self,
        workloads: list[Workload],
        sample: list[str],
        naive: dict[str, WrkResult],
        naive_answers: dict[str, Answer],
    ) -> PostgresRun | None:
        """The same catalog on a PostgreSQL server started for the run (as the tests do)."""
        from tests.postgres import find_bindir, postgres_server

        bindir = find_bindir()
        if bindir is None:
            log("PostgreSQL binaries not found: no PostgreSQL rows")
            return None
        measured = [w for w in workloads if w.key in ("default", "cold_search", "cold_filter")]
        with postgres_server(bindir) as url:
            env = {**self.store_env(), "SHOPKEEP_DATABASE_URL": url}
            log("PostgreSQL:")
            seed_s = self.seed(env)
            with self.target_server("shopkeep-pg", env) as server:
                wait_for_catalog_index(server.base_url)
                self.wrk(server, "/products", WARM_UP_S)
                answers = collect_answers(server.base_url, sample)
                results = {w.key: self.measure(server, w) for w in measured}
        rows = [
            QueryRow(w.key, w.label, len(w.paths), results[w.key], naive[w.key]) for w in measured
        ]
        return PostgresRun(seed_s, rows, compare(naive_answers, answers))

    def checkouts(
        self, server: Server, name: str, plans: list[CartLines], duration: float
    ) -> WrkResult:
        log(f"  preparing {len(plans):,} carts over HTTP for the {name} run ...")
        started = time.monotonic()
        cart_ids = prepare_carts(server.base_url, plans)
        log(f"  prepared in {time.monotonic() - started:.1f} s")
        ids_file = self.data_dir / f"{name}-carts.txt"
        ids_file.write_text("\n".join(cart_ids) + "\n")
        script = checkout_script(ids_file, self.options.threads)
        result = self.wrk_script(server, name, script, duration)
        log(f"  {server.name:<14} {f'{name}: POST /cart/{{id}}/checkout':<36} {describe(result)}")
        return result

    def raw_loops(self) -> list[RawLoopResult]:
        loops = []
        for mode in ("FULL", "NORMAL"):
            scratch = self.data_dir / f"raw-checkout-{mode.lower()}.db"
            loop = raw_checkout_loop(self.db_path, scratch, mode, self.options.duration)
            log(f"  raw SQL loop synchronous={mode:<7} {loop.per_s:>10,.0f} checkouts/s")
            loops.append(loop)
        return loops

    # --- the whole run ---

    def run(self) -> BenchReport:
        seed_s = self.seed()
        workloads, products = self.workloads()
        sample = self.sample_paths(workloads)
        log("Measuring (one server at a time):")
        ceiling, ceiling_bytes = self.measure_reference("ceiling", "bench.ceiling:app")
        floor, floor_bytes = self.measure_reference("floor", "bench.floor:app")
        with self.app_server("naive", "bench.naive:app") as naive_server:
            naive, naive_answers, naive_bytes = self.measure_all(naive_server, workloads, sample)
        started = time.monotonic()
        with self.target_server() as target_server:
            ready_s = time.monotonic() - started
            index_s = None
            if self.options.target == "shopkeep":
                log("  waiting for the store's catalog index ...")
                if wait_for_catalog_index(target_server.base_url):
                    index_s = time.monotonic() - started
                    log(f"  built {index_s:.1f} s after the start")
            target, target_answers, target_bytes = self.measure_all(
                target_server, workloads, sample
            )
            storefront = freshness = process = None
            if self.options.target == "shopkeep":
                freshness = check_freshness(target_server.base_url, self.db_path)
                # Before the checkouts, which change the stock the pages show.
                storefront = self.measure_storefront(target_server)
            checkout = self.measure_checkout(target_server, floor)
            if self.options.target == "shopkeep" and target_server.process is not None:
                rss_mb = largest_rss_mb(target_server.process.pid)
                process = StoreProcess(ready_s, rss_mb, index_s)
        raw_loops = self.raw_loops()
        postgres = None
        if self.options.postgres and self.options.target == "shopkeep" and not self.synthetic:
            postgres = self.measure_postgres(workloads, sample, naive, naive_answers)
        rows = [
            QueryRow(w.key, w.label, len(w.paths), target[w.key], naive[w.key]) for w in workloads
        ]
        return BenchReport(
            settings=self.settings(products, seed_s),
            target_name=target_server.name,
            ceiling=ceiling,
            floor=floor,
            rows=rows,
            checkout=checkout,
            raw_loops=raw_loops,
            page_bytes={
                "ceiling": ceiling_bytes,
                "floor": floor_bytes,
                "naive": naive_bytes,
                "target": target_bytes,
            },
            agreement=compare(naive_answers, target_answers),
            storefront=storefront,
            freshness=freshness,
            store_process=process,
            postgres=postgres,
        )

    def settings(self, products: int, seed_s: float) -> dict[str, object]:
        return {
            "products": products,
            "seed_s": round(seed_s, 1),
            "products_requested": self.options.products,
            "catalog": self.catalog,
            "target": self.options.target,
            "connections": self.options.connections,
            "duration_s": self.options.duration,
            "wrk_threads": self.options.threads,
            "server_options": " ".join(fast_server_options()),
            "cold_paths_per_list": COLD_PATHS,
            "cpus": os.cpu_count(),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
            "data_dir": str(self.data_dir),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }


def data_directory(options: Options) -> Path:
    if options.keep is not None:
        options.keep.mkdir(parents=True, exist_ok=True)
        return options.keep.resolve()
    return Path(tempfile.mkdtemp(prefix="shopkeep-bench-"))


def remove_databases(data_dir: Path) -> None:
    """Drop the big files of a temporary run; bench.json, logs and scripts stay for reading."""
    for pattern in ("*.db", "*.db-wal", "*.db-shm"):
        for path in data_dir.glob(pattern):
            path.unlink(missing_ok=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # so that SIGTERM stops the servers like Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    data_dir = data_directory(options)
    try:
        shopkeep = shopkeep_command()
        if shopkeep is None and options.target == "shopkeep":
            log("`shopkeep db seed --help` does not work yet; run with --target naive meanwhile")
            return 2
        report = Harness(options, data_dir, shopkeep).run()
        print(render(report))
        (data_dir / "bench.json").write_text(json.dumps(to_json(report), indent=2) + "\n")
        print(f"\nFigures written to {data_dir / 'bench.json'}")
        return 0
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        return 130
    except Exception:
        log(traceback.format_exc())
        log(f"the benchmark broke; logs are in {data_dir}")
        return 1
    finally:
        if options.keep is None:
            remove_databases(data_dir)


if __name__ == "__main__":
    sys.exit(main())
