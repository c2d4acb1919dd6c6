"""What `/metrics` shows, in Prometheus' text format.

Counters and histograms live in one registry per process (`PROCESS`): requests by app, route
template and status, their latency, the shop's events (checkouts, payments, refunds) and the
background jobs' outcomes. Under several processes (uvicorn `--workers`, or one process per
unit behind a proxy) each process serves its own numbers: scrape every process, and add them
up in Prometheus (`sum by (route) (...)`).

Gauges that describe the database (outbox depths and the age of their oldest waiting row, the
connection pool) are read when `/metrics` is asked for, so they are the same whichever process
answers. So are those of the process's in-memory catalog index (the store's), which each
process builds for itself.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import Table, func, select

from shopkeep.catalog.index import INDEX_MEMO
from shopkeep.db import Database, Tx, utcnow

PROCESS = CollectorRegistry(auto_describe=True)

# Latency buckets for a shop: most answers take a few milliseconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestStats(Collector):
    """Requests answered and their latency, by app, method, route template and status.

    Kept in plain lists and turned into Prometheus families only at the scrape: this runs for
    every request, cached catalog answers included, and costs about a microsecond where
    prometheus-client's labelled histogram costs over ten.
    """

    def __init__(self, buckets: Sequence[float] = LATENCY_BUCKETS) -> None:
        self.buckets = tuple(buckets)
        # (app, method, route, status) → [count, sum of seconds, count per bucket..., +Inf]
        self._stats: dict[tuple[str, str, str, int], list[float]] = {}

    def observe(self, key: tuple[str, str, str, int], seconds: float) -> None:
        stats = self._stats.get(key)
        if stats is None:
            stats = self._stats[key] = [0, 0.0] + [0] * (len(self.buckets) + 1)
        stats[0] += 1
        stats[1] += seconds
        stats[2 + bisect_left(self.buckets, seconds)] += 1

    def collect(self) -> Iterator[Metric]:
        labels = ("app", "method", "route", "status")
        requests = CounterMetricFamily(
            "shopkeep_http_requests",
            "HTTP requests answered, by app, method, route template and status.",
            labels=labels,
        )
        latency = HistogramMetricFamily(
            "shopkeep_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by app, route and status.",
            labels=labels,
        )
        bounds = [*(str(bound) for bound in self.buckets), "+Inf"]
        for (app, method, route, status), stats in list(self._stats.items()):
            values = (app, method, route, str(status))
            requests.add_metric(values, stats[0])
            cumulative = list(accumulate(stats[2:]))
            latency.add_metric(values, list(zip(bounds, cumulative, strict=True)), stats[1])
        yield requests
        yield latency


REQUEST_STATS = RequestStats()
PROCESS.register(REQUEST_STATS)
CHECKOUTS = Counter(
    "shopkeep_checkouts",
    "Checkouts that placed an order (store API, /api and storefront).",
    ("app",),
    registry=PROCESS,
)
PAYMENTS = Counter(
    "shopkeep_payments",
    "Payments started at the provider and payment results the provider confirmed.",
    ("app", "step"),
    registry=PROCESS,
)
REFUNDS = Counter(
    "shopkeep_refunds_confirmed",
    "Refund results the provider confirmed to the store.",
    ("app",),
    registry=PROCESS,
)
JOBS = Counter(
    "shopkeep_jobs",
    "Background job attempts by table (mail_outbox, refunds, payment_cancellations, "
    "sandbox callbacks) and outcome (done, retry, failed).",
    ("table", "outcome"),
    registry=PROCESS,
)

# The routes whose successful answers are the shop's events: (app, method, route) → counter.
EVENTS: dict[tuple[str, str, str], tuple[Counter, tuple[str, ...]]] = {
    ("store", "POST", "/cart/{cart_id}/checkout"): (CHECKOUTS, ()),
    ("store", "POST", "/api/shopping_cart/{shopping_cart_id}/checkout"): (CHECKOUTS, ()),
    ("web", "POST", "/checkout"): (CHECKOUTS, ()),
    ("store", "POST", "/orders/{order_id}/payment"): (PAYMENTS, ("started",)),
    ("web", "POST", "/orders/{order_id}/pay"): (PAYMENTS, ("started",)),
    ("store", "POST", "/payments/confirm"): (PAYMENTS, ("confirmed",)),
    ("store", "POST", "/payments/refunds/confirm"): (REFUNDS, ()),
}


def observe(app: str, method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_STATS.observe((app, method, route, status), seconds)
    if status < 400 and (event := EVENTS.get((app, method, route))) is not None:
        counter, extra = event
        counter.labels(app, *extra).inc()


@dataclass(frozen=True, slots=True)
class Outbox:
    """A table of background work whose waiting rows `/metrics` counts."""

    name: str
    table: Table
    waiting: str  # the value of `state` for rows not yet done


@dataclass(frozen=True, slots=True)
class OutboxDepth:
    name: str
    waiting: int
    oldest_seconds: float


async def outbox_depths(tx: Tx, outboxes: Sequence[Outbox]) -> list[OutboxDepth]:
    now = utcnow()
    depths = []
    for outbox in outboxes:
        c = outbox.table.c
        row: Any = (
            await tx.execute(
                select(func.count(), func.min(c.created_at)).where(c.state == outbox.waiting)
            )
        ).one()
        count, oldest = row[0], row[1]
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        depths.append(OutboxDepth(outbox.name, int(count), max(age, 0.0)))
    return depths


class _Snapshot(Collector):
    """Gauges read from the database for one scrape."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        yield from self.families


@dataclass(frozen=True, slots=True)
class CacheCounts:
    name: str
    hits: int
    misses: int
    entries: int
    bytes: int


def _cache_families(caches: Sequence[CacheCounts]) -> list[Metric]:
    labels = ("cache",)
    hits = CounterMetricFamily(
        "shopkeep_cache_hits", "Lookups answered from this process's memory.", labels=labels
    )
    misses = CounterMetricFamily(
        "shopkeep_cache_misses", "Lookups that had to be answered by the app.", labels=labels
    )
    entries = GaugeMetricFamily("shopkeep_cache_entries", "Responses kept.", labels=labels)
    size = GaugeMetricFamily(
        "shopkeep_cache_bytes", "Memory the kept responses take.", labels=labels
    )
    for cache in caches:
        hits.add_metric((cache.name,), cache.hits)
        misses.add_metric((cache.name,), cache.misses)
        entries.add_metric((cache.name,), cache.entries)
        size.add_metric((cache.name,), cache.bytes)
    return [hits, misses, entries, size] if caches else []


def _gauges(depths: Sequence[OutboxDepth], pool: dict[str, int]) -> list[Metric]:
    waiting = GaugeMetricFamily(
        "shopkeep_outbox_waiting", "Rows of background work not yet done.", labels=("outbox",)
    )
    oldest = GaugeMetricFamily(
        "shopkeep_outbox_oldest_age_seconds",
        "Age of the oldest row not yet done (0 when none waits).",
        labels=("outbox",),
    )
    for depth in depths:
        waiting.add_metric((depth.name,), depth.waiting)
        oldest.add_metric((depth.name,), depth.oldest_seconds)
    connections = GaugeMetricFamily(
        "shopkeep_db_pool_connections",
        "This process's database connections by state (SQLite: idle kept connections and "
        "writes waiting for the group commit; PostgreSQL: the pool's size, checked out, "
        "overflow).",
        labels=("state",),
    )
    for state, value in pool.items():
        connections.add_metric((state,), value)
    return [waiting, oldest, connections]


def _index_families(database: Database) -> list[Metric]:
    """The catalog index of this process, where it keeps one (the store does)."""
    holder = database.memo.get(INDEX_MEMO)
    if holder is None:
        return []
    index = holder.index
    products = GaugeMetricFamily(
        "shopkeep_catalog_index_products",
        "Products in this process's in-memory catalog index (0 while its first build runs: "
        "catalog queries are answered by the database meanwhile).",
    )
    products.add_metric((), index.size if index is not None else 0)
    size = GaugeMetricFamily(
        "shopkeep_catalog_index_bytes", "Memory the in-memory catalog index takes."
    )
    size.add_metric((), index.nbytes() if index is not None else 0)
    return [products, size]


async def exposition(
    database: Database, outboxes: Sequence[Outbox], caches: Sequence[CacheCounts] = ()
) -> bytes:
    """The text `/metrics` answers: this process's counters, then the database's gauges."""
    depths = await database.read(outbox_depths, outboxes)
    scrape = CollectorRegistry(auto_describe=False)
    families = _gauges(depths, database.pool_status()) + _cache_families(caches)
    families += _index_families(database)
    scrape.register(_Snapshot(families))
    return generate_latest(PROCESS) + generate_latest(scrape)
