"""What an operator watches: `/metrics` (Prometheus text), `/readyz`, and request ids in logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from shopkeep import jobs
from shopkeep.config import Settings
from shopkeep.db import Database, Tx, create_database
from shopkeep.mail.service import OUTBOX
from shopkeep.store.app import create_app
from shopkeep.telemetry.logs import JsonFormatter, RequestIdFilter
from tests.helpers import empty_database, signed_callback
from tests.mail.helpers import KEYBOARD, pay, placed

CHECKOUT_ROUTE = "/cart/{cart_id}/checkout"


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def waiting_mail(tx: Tx) -> int:
    return int(await tx.scalar(select(func.count()).where(OUTBOX.c.state == jobs.WAITING)) or 0)


async def test_metrics_count_requests_by_route_and_status_and_the_checkouts(
    client: httpx.AsyncClient, database: Database
) -> None:
    before = await scrape(client)
    await pay(client, await placed(client, (KEYBOARD, 1)))
    for _ in range(2):  # the second is answered from the catalog cache
        assert (await client.get("/categories")).status_code == 200
    missing = await client.get("/products/999999")
    assert missing.status_code == 404
    after = await scrape(client)

    checkout = {"app": "store", "method": "POST", "route": CHECKOUT_ROUTE, "status": "200"}
    for name in ("shopkeep_http_requests_total", "shopkeep_http_request_duration_seconds_count"):
        assert value(after, name, **checkout) == value(before, name, **checkout) + 1
    not_found = {
        "app": "store",
        "method": "GET",
        "route": "/products/{product_id}",
        "status": "404",
    }
    grown = value(after, "shopkeep_http_requests_total", **not_found)
    assert grown == value(before, "shopkeep_http_requests_total", **not_found) + 1
    # The answer from memory is counted under its route too, though no route ran for it.
    categories = {"app": "store", "method": "GET", "route": "/categories", "status": "200"}
    listed = value(after, "shopkeep_http_requests_total", **categories)
    assert listed == value(before, "shopkeep_http_requests_total", **categories) + 2
    checkouts = value(after, "shopkeep_checkouts_total", app="store")
    assert checkouts == value(before, "shopkeep_checkouts_total", app="store") + 1
    # Read from the database at the scrape: the order's emails wait in the outbox.
    mail = value(after, "shopkeep_outbox_waiting", outbox="mail")
    assert mail == await database.read(waiting_mail) > 0
    assert value(after, "shopkeep_outbox_oldest_age_seconds", outbox="mail") >= 0
    assert ("shopkeep_outbox_waiting", frozenset({("outbox", "refunds")})) in after
    cache = {"cache": "catalog_response_cache"}
    assert value(after, "shopkeep_cache_hits_total", **cache) > value(
        before, "shopkeep_cache_hits_total", **cache
    )
    assert value(after, "shopkeep_cache_misses_total", **cache) >= 1
    pool_states = {
        dict(labels)["state"] for name, labels in after if name == "shopkeep_db_pool_connections"
    }
    assert pool_states in ({"idle", "waiting_writes"}, {"size", "checked_out", "overflow"})


async def test_readyz_answers_once_the_database_is_migrated(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_readyz_refuses_with_a_sentence_before_the_migrations(
    database_url: str, settings: Settings, tmp_path: Path
) -> None:
    fresh = create_database(await empty_database(database_url, tmp_path))
    try:
        app = create_app(settings, fresh)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://store.test") as client:
            response = await client.get("/readyz")
            assert (await client.get("/healthz")).status_code == 200
    finally:
        await fresh.close()
    assert response.status_code == 503
    assert "shopkeep db upgrade" in response.json()["detail"]


async def test_a_safe_request_id_is_echoed_and_any_other_is_replaced(
    client: httpx.AsyncClient,
) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "edge-7f3a.01:2"})
    assert given.headers["x-request-id"] == "edge-7f3a.01:2"
    for unsafe in ("has space", "x" * 129, 'quote"d', ""):
        replaced = await client.get("/healthz", headers={"X-Request-ID": unsafe})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"]), unsafe
    made = await client.get("/healthz")
    again = await client.get("/healthz")
    assert made.headers["x-request-id"] != again.headers["x-request-id"]


async def test_answers_kept_in_memory_carry_only_their_own_request_id(
    client: httpx.AsyncClient,
) -> None:
    answers = [
        await client.get("/products?search=keyboard", headers={"X-Request-ID": f"hit-{n}"})
        for n in range(3)
    ]
    etag = answers[0].headers["etag"]
    answers += [
        await client.get(
            "/products?search=keyboard",
            headers={"X-Request-ID": f"hit-{n}", "If-None-Match": etag},
        )
        for n in range(3, 5)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 304, 304]
    for n, answer in enumerate(answers):
        assert answer.headers.get_list("x-request-id") == [f"hit-{n}"]
    assert len(answers[1].headers.raw) == len(answers[2].headers.raw)
    assert len(answers[3].headers.raw) == len(answers[4].headers.raw)


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_lines() -> Iterator[Lines]:
    handler = Lines()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


async def test_every_json_log_line_of_a_request_carries_its_id(
    database: Database, settings: Settings, json_lines: Lines
) -> None:
    app = create_app(settings.model_copy(update={"access_log": True}), database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://store.test") as client:
        order = await placed(client, (KEYBOARD, 1))
        # A failed payment of the wrong amount: refused, and the refusal is logged.
        payload = {
            "payment_id": "pay_x",
            "order_id": order["order_id"],
            "amount": 1,
            "status": "failed",
        }
        json_lines.lines.clear()
        body, headers = signed_callback(payload)
        refused = await client.post(
            "/payments/confirm", content=body, headers={**headers, "X-Request-ID": "proxy-42"}
        )
    assert refused.status_code != 200
    logging.getLogger("shopkeep.test").info("after the request")
    # The test client's own lines (httpx) are not the server's.
    lines = [line for line in map(orjson.loads, json_lines.lines) if line["logger"] != "httpx"]
    during, outside = lines[:-1], lines[-1]
    assert {line["logger"] for line in during} >= {"shopkeep.payments.api", "shopkeep.access"}
    assert {line["request_id"] for line in during} == {"proxy-42"}
    assert any(
        line["logger"] == "shopkeep.access" and line["status"] == refused.status_code
        for line in during
    )
    assert "request_id" not in outside
