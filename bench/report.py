"""The targets, the ratios, and the printed and JSON forms of one benchmark run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bench.agreement import Comparison
from bench.checkout import RawLoopResult
from bench.storefront import GRID_PAGE_SIZE, PagePair, PairAnswers
from bench.wrk import WrkResult

P99_LIMIT_MS = 50.0
LARGE_CATALOG = 1_000_000  # from this size on, cold queries may take up to LARGE_P99_LIMIT_MS
LARGE_P99_LIMIT_MS = 100.0
HOT_FLOOR_SHARE = 1.0  # hot catalog reads, against the framework floor
RAW_FULL_SHARE = 1.0  # checkouts over HTTP, against the raw loop at synchronous=FULL
CHECKOUT_P99_MS = 50.0
NAIVE_FACTOR = 30.0  # cold searches and filters, against the naive store
PAGE_SHARE = 0.6  # storefront grid pages, against the JSON of the same query
READY_LIMIT_S = 3.0  # `shopkeep store` on an existing database
RSS_LIMIT_MB = 250.0  # a store process after the whole run
FLOOR_TARGETS = {"default", "category", "detail", "search", "filtered"}
NAIVE_TARGETS = {"cold_search", "cold_filter"}


@dataclass
class Check:
    name: str
    passed: bool


@dataclass
class QueryRow:
    """One catalog query, measured on the target and on the naive store."""

    key: str
    label: str
    distinct_paths: int
    target: WrkResult
    naive: WrkResult


@dataclass
class PageRow:
    """A storefront page measured next to the JSON listing of the same query."""

    pair: PagePair
    page: WrkResult
    json: WrkResult
    answers: PairAnswers


@dataclass
class CheckoutRun:
    carts: int
    result: WrkResult


@dataclass
class StoreProcess:
    """How the store process itself fared: start on the seeded database, memory at the end."""

    ready_s: float
    rss_mb: float
    # Since the start, when its catalog index was built (the queries were measured after it);
    # None: it showed none.
    index_s: float | None = None


@dataclass
class PostgresRun:
    """The same catalog on PostgreSQL: seeded, then the cold queries (and the default page)."""

    seed_s: float
    rows: list[QueryRow]
    agreement: Comparison


@dataclass
class BenchReport:
    settings: dict[str, Any]
    target_name: str
    ceiling: WrkResult
    floor: WrkResult
    rows: list[QueryRow]
    checkout: CheckoutRun | None
    raw_loops: list[RawLoopResult]
    agreement: Comparison
    page_bytes: dict[str, int] = field(default_factory=dict)
    storefront: list[PageRow] | None = None  # None: not measured (the target is not Shopkeep)
    freshness: list[Check] | None = None  # None: not checked (the target is not Shopkeep)
    store_process: StoreProcess | None = None
    postgres: PostgresRun | None = None


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def p99_limit(key: str, products: int) -> float:
    large = products >= LARGE_CATALOG and key in NAIVE_TARGETS
    return LARGE_P99_LIMIT_MS if large else P99_LIMIT_MS


def row_checks(row: QueryRow, floor: WrkResult, products: int = 0) -> list[Check]:
    rate, limit = row.target.ok_per_s, p99_limit(row.key, products)
    checks = [
        Check(f"p99<={limit:g}ms", row.target.p99_ms <= limit),
        Check("no errors", not (row.target.non_2xx or row.target.socket_errors)),
    ]
    if row.key in FLOOR_TARGETS:
        share = ratio(rate, floor.ok_per_s) or 0.0
        checks.append(Check(f">={HOT_FLOOR_SHARE:.2f}x floor", share >= HOT_FLOOR_SHARE))
    if row.key in NAIVE_TARGETS:
        factor = ratio(rate, row.naive.ok_per_s)
        # a naive store that finished nothing in the whole run is beaten by any finished request
        passed = rate > 0 if factor is None else factor >= NAIVE_FACTOR
        checks.append(Check(f">={NAIVE_FACTOR:g}x naive", passed))
    return checks


def page_checks(row: PageRow) -> list[Check]:
    share = ratio(row.page.ok_per_s, row.json.ok_per_s) or 0.0
    return [
        Check(f">={PAGE_SHARE:g}x JSON", share >= PAGE_SHARE),
        Check(f"p99<={P99_LIMIT_MS:g}ms", row.page.p99_ms <= P99_LIMIT_MS),
        Check("same products", row.answers.same_products),
    ]


def process_checks(process: StoreProcess) -> list[Check]:
    return [
        Check(f"ready<{READY_LIMIT_S:g}s", process.ready_s < READY_LIMIT_S),
        Check(f"RSS<{RSS_LIMIT_MB:g}MB", process.rss_mb < RSS_LIMIT_MB),
    ]


def raw_full_rate(raw_loops: list[RawLoopResult]) -> float | None:
    return next((loop.per_s for loop in raw_loops if loop.synchronous == "FULL"), None)


def checkout_checks(run: CheckoutRun, raw_loops: list[RawLoopResult]) -> list[Check]:
    """Checkouts over HTTP keep up with the raw loop at the same durability (FULL)."""
    share = ratio(run.result.ok_per_s, raw_full_rate(raw_loops)) or 0.0
    return [
        Check(f">={RAW_FULL_SHARE:.2f}x raw FULL", share >= RAW_FULL_SHARE),
        Check(f"p99<={CHECKOUT_P99_MS:.0f}ms", run.result.p99_ms <= CHECKOUT_P99_MS),
        Check("no errors", not (run.result.non_2xx or run.result.socket_errors)),
    ]


def verdict(checks: list[Check]) -> str:
    failed = [check.name for check in checks if not check.passed]
    return "PASS" if not failed else "FAIL: " + ", ".join(failed)


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def fmt(cells: list[str]) -> str:
        first, *rest = cells
        cells = [c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)]
        return "  ".join([first.ljust(widths[0]), *cells])

    rule = "-" * len(fmt(header))
    return [fmt(header), rule, *(fmt(row) for row in rows)]


def _seeded(settings: dict[str, object]) -> str:
    seed_s = settings.get("seed_s")
    return "seed time unknown" if seed_s is None else f"seeded in {seed_s:.1f} s"


def render(report: BenchReport) -> str:
    s = report.settings
    lines = [
        "",
        f"Shopkeep benchmark: target = {report.target_name}, {s['products']:,} products "
        f"({s['catalog']}, {_seeded(s)}), {s['connections']} connections, "
        f"{s['duration_s']:g} s per run, "
        f"wrk threads {s['wrk_threads']}, {s['cpus']} CPUs "
        f"(load average {s['load_average_1m_at_end']} at the end: other work skews the figures)",
        "",
        *_reference_lines(report),
        "",
        *_query_lines(report),
        "",
        *_storefront_lines(report),
        "",
        *_checkout_lines(report),
        *_agreement_lines(report),
        *_freshness_lines(report),
        *_process_lines(report),
        "",
        *_postgres_lines(report),
    ]
    return "\n".join(lines)


def _reference_lines(report: BenchReport) -> list[str]:
    rows = [
        [name, f"{result.ok_per_s:,.0f}", f"{result.p50_ms:.2f}", f"{result.p99_ms:.2f}"]
        for name, result in (
            ("ceiling (bare ASGI)", report.ceiling),
            ("floor (FastAPI)", report.floor),
        )
    ]
    sizes = ", ".join(f"{name} {size:,} B" for name, size in report.page_bytes.items())
    return [
        "Reference: hot default page",
        *_table(["server", "req/s", "p50 ms", "p99 ms"], rows),
        f"Default page size: {sizes}",
    ]


def _query_lines(
    report: BenchReport, query_rows: list[QueryRow] | None = None, title: str = ""
) -> list[str]:
    rows, notes = [], []
    products = int(report.settings["products"])
    for row in report.rows if query_rows is None else query_rows:
        rate, checks = row.target.ok_per_s, row_checks(row, report.floor, products)
        rows.append(
            [
                row.label,
                f"{row.naive.ok_per_s:,.1f}",
                f"{rate:,.0f}",
                f"{row.target.p50_ms:.2f}",
                f"{row.target.p99_ms:.2f}",
                _x(ratio(rate, report.ceiling.ok_per_s)),
                _x(ratio(rate, report.floor.ok_per_s)),
                _x(ratio(rate, row.naive.ok_per_s)),
                ", ".join(check.name for check in checks if check.name != "no errors"),
                verdict(checks).split(":")[0],
            ]
        )
        notes += _row_notes(row, checks)
    header = ["query", "naive r/s", "req/s", "p50 ms", "p99 ms", "/ceiling", "/floor", "/naive"]
    lines = [title or f"Catalog queries on {report.target_name} (ratios of req/s)"]
    return [*lines, *_table([*header, "target", "result"], rows), *notes]


def _row_notes(row: QueryRow, checks: list[Check]) -> list[str]:
    notes = []
    if any(not check.passed for check in checks):
        notes.append(f"  {row.label}: {verdict(checks)}")
    errors = row.target.non_2xx + row.target.socket_errors
    if errors:
        notes.append(f"  {row.label}: {errors} non-2xx responses or socket errors")
    passes = row.target.requests / row.distinct_paths if row.distinct_paths > 1 else 0
    if passes > 1:
        notes.append(f"  {row.label}: went through its URL list {passes:.1f} times")
    return notes


def _storefront_lines(report: BenchReport) -> list[str]:
    if report.storefront is None:
        return ["Storefront pages: not measured (the target is not Shopkeep's store)"]
    rows, notes = [], []
    for row in report.storefront:
        rows.append(
            [
                row.pair.label,
                f"{row.page.ok_per_s:,.0f}",
                f"{row.page.p50_ms:.2f}",
                f"{row.page.p99_ms:.2f}",
                f"{row.json.ok_per_s:,.0f}",
                f"{row.json.p50_ms:.2f}",
                f"{row.json.p99_ms:.2f}",
                _x(ratio(row.page.ok_per_s, row.json.ok_per_s)),
                f"{row.answers.page_bytes:,} / {row.answers.json_bytes:,}",
                verdict(page_checks(row)),
            ]
        )
        for side, result in (("page", row.page), ("JSON", row.json)):
            errors = result.non_2xx + result.socket_errors
            if errors:
                notes.append(f"  {row.pair.label} ({side}): {errors} non-2xx or socket errors")
        if not row.answers.same_products:
            notes.append(
                f"  {row.pair.label}: the page shows products {list(row.answers.page_ids)}, "
                f"the JSON {list(row.answers.json_ids)}"
            )
    header = ["page (hot)", "page r/s", "p50 ms", "p99 ms"]
    header += ["JSON r/s", "p50 ms", "p99 ms", "page/JSON", "bytes page / JSON"]
    header += [f"target >={PAGE_SHARE:g}x JSON, p99<={P99_LIMIT_MS:g}ms"]
    urls = [
        f"  {row.pair.label}: GET {row.pair.page_path} | GET {row.pair.json_path}"
        for row in report.storefront
    ]
    return [
        "Storefront grid pages (shopkeep web) vs the store's JSON of the same query "
        f"({GRID_PAGE_SIZE} products a page)",
        *_table(header, rows),
        *urls,
        *notes,
    ]


def _checkout_lines(report: BenchReport) -> list[str]:
    lines = []
    if report.checkout is not None:
        run, result = report.checkout, report.checkout.result
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses.items()))
        lines += [
            f"Checkouts over HTTP ({run.carts:,} carts prepared): {result.ok_per_s:,.0f}/s, "
            f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
            f"{_x(ratio(result.ok_per_s, report.floor.ok_per_s))} floor, "
            f"{_x(ratio(result.ok_per_s, raw_full_rate(report.raw_loops)))} the raw loop at FULL "
            f"(target >={RAW_FULL_SHARE:.2f}x, p99<={CHECKOUT_P99_MS:.0f}ms) -> "
            f"{verdict(checkout_checks(run, report.raw_loops))}",
            f"  responses: {statuses or 'none'}; non-2xx {result.non_2xx}, "
            f"socket errors {result.socket_errors}",
        ]
        if result.exhausted:
            lines.append(
                f"  note: every prepared cart was checked out before the run ended, so "
                f"{result.ok_per_s:,.0f}/s is a lower bound (raise --carts)"
            )
    loops = ", ".join(
        f"synchronous={loop.synchronous} {loop.per_s:,.0f}/s" for loop in report.raw_loops
    )
    lines.append(f"Raw-SQL checkout loop in-process (sqlite3, WAL): {loops}")
    return lines


def _agreement_lines(report: BenchReport) -> list[str]:
    return _comparison_lines(report.agreement, "Answers")


def _comparison_lines(agreement: Comparison, subject: str) -> list[str]:
    same = agreement.compared - len(agreement.differences) - agreement.tie_order_only
    line = f"{subject} agree with the naive store on {same}/{agreement.compared} sampled queries"
    if agreement.tie_order_only:
        line += f"; {agreement.tie_order_only} differ only in the order of equal sort keys"
    return [line, *(f"  differs: {text}" for text in agreement.differences[:5])]


def _freshness_lines(report: BenchReport) -> list[str]:
    if report.freshness is None:
        return []
    checks = ", ".join(check.name for check in report.freshness)
    return [f"Cached answers after a product change ({checks}) -> {verdict(report.freshness)}"]


def _process_lines(report: BenchReport) -> list[str]:
    process = report.store_process
    if process is None:
        return []
    return [
        f"Store process: ready {process.ready_s:.2f} s after start on the seeded database, "
        f"{_indexed(process)}, RSS {process.rss_mb:,.0f} MB after the run "
        f"-> {verdict(process_checks(process))}"
    ]


def _indexed(process: StoreProcess) -> str:
    if process.index_s is None:
        return "no catalog index shown in its /metrics"
    return f"catalog index built {process.index_s:.1f} s after start (queries measured after it)"


def _postgres_lines(report: BenchReport) -> list[str]:
    run = report.postgres
    if run is None:
        return ["PostgreSQL: not measured"]
    title = (
        f"The same catalog on PostgreSQL (seeded in {run.seed_s:.0f} s; naive store and "
        "floor as above)"
    )
    agreement = _comparison_lines(run.agreement, "PostgreSQL answers")
    return [*_query_lines(report, run.rows, title), *agreement]


def to_json(report: BenchReport) -> dict[str, Any]:
    floor, ceiling = report.floor.ok_per_s, report.ceiling.ok_per_s
    rows = [
        {
            "key": row.key,
            "label": row.label,
            "distinct_paths": row.distinct_paths,
            "target": asdict(row.target),
            "naive": asdict(row.naive),
            "ratio_to_ceiling": ratio(row.target.ok_per_s, ceiling),
            "ratio_to_floor": ratio(row.target.ok_per_s, floor),
            "ratio_to_naive": ratio(row.target.ok_per_s, row.naive.ok_per_s),
            "checks": [
                asdict(check)
                for check in row_checks(row, report.floor, int(report.settings["products"]))
            ],
        }
        for row in report.rows
    ]
    checkout = None
    if report.checkout is not None:
        checkout = {
            "carts": report.checkout.carts,
            "result": asdict(report.checkout.result),
            "checkouts_per_s": report.checkout.result.ok_per_s,
            "ratio_to_floor": ratio(report.checkout.result.ok_per_s, floor),
            "checks": [
                asdict(check) for check in checkout_checks(report.checkout, report.raw_loops)
            ],
        }
    storefront = None
    if report.storefront is not None:
        storefront = [
            {
                "key": row.pair.key,
                "label": row.pair.label,
                "page_path": row.pair.page_path,
                "json_path": row.pair.json_path,
                "page": asdict(row.page),
                "json": asdict(row.json),
                "page_per_s": row.page.ok_per_s,
                "json_per_s": row.json.ok_per_s,
                "ratio_page_to_json": ratio(row.page.ok_per_s, row.json.ok_per_s),
                "page_bytes": row.answers.page_bytes,
                "json_bytes": row.answers.json_bytes,
                "same_products": row.answers.same_products,
                "checks": [asdict(check) for check in page_checks(row)],
            }
            for row in report.storefront
        ]
    return {
        "settings": report.settings,
        "target": report.target_name,
        "ceiling": asdict(report.ceiling),
        "floor": asdict(report.floor),
        "page_bytes": report.page_bytes,
        "queries": rows,
        "storefront_pages": storefront,
        "checkout": checkout,
        "raw_sql_loops": [{**asdict(loop), "per_s": loop.per_s} for loop in report.raw_loops],
        "agreement": asdict(report.agreement),
        "freshness": None
        if report.freshness is None
        else [asdict(check) for check in report.freshness],
        "store_process": None
        if report.store_process is None
        else {
            **asdict(report.store_process),
            "checks": [asdict(check) for check in process_checks(report.store_process)],
        },
        "postgres": None
        if report.postgres is None
        else {
            "seed_s": report.postgres.seed_s,
            "queries": [
                {
                    "key": row.key,
                    "target": asdict(row.target),
                    "ratio_to_naive": ratio(row.target.ok_per_s, row.naive.ok_per_s),
                    "checks": [
                        asdict(check)
                        for check in row_checks(row, report.floor, int(report.settings["products"]))
                    ],
                }
                for row in report.postgres.rows
            ],
            "agreement": asdict(report.postgres.agreement),
        },
    }
