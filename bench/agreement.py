"""Checking that the target answers a sample of queries like the naive store does.

Ratios only mean something when both servers do the same work: same totals, same products in the
same order. Differences are reported, not fatal (they point at a semantic gap to look into). The
contract does not say how products with equal sort keys are ordered, so a difference there alone
is counted apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx


@dataclass(frozen=True)
class Answer:
    """What a response says, reduced to what two correct stores must agree on."""

    status: int
    total: int | None = None
    ids: tuple[int, ...] = ()
    sort_keys: tuple[object, ...] = ()

    def __str__(self) -> str:
        if self.status != 200:
            return f"HTTP {self.status}"
        return f"total {self.total}, ids {list(self.ids)}"


@dataclass
class Comparison:
    compared: int
    differences: list[str]
    tie_order_only: int


def summarize(path: str, response: httpx.Response) -> Answer:
    if response.status_code != 200:
        return Answer(response.status_code)
    body = response.json()
    if "products" not in body:
        return Answer(200, total=1, ids=(body["id"],))
    products = body["products"]
    sort_by = parse_qs(urlsplit(path).query).get("sort_by", ["id"])[0]
    return Answer(
        200,
        total=body["total"],
        ids=tuple(product["id"] for product in products),
        sort_keys=tuple(product.get(sort_by) for product in products),
    )


def collect_answers(base_url: str, paths: Iterable[str]) -> dict[str, Answer]:
    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        return {path: summarize(path, client.get(path)) for path in paths}


def compare(expected: dict[str, Answer], actual: dict[str, Answer]) -> Comparison:
    differences, tie_order_only = [], 0
    for path, answer in expected.items():
        other = actual.get(path)
        if other == answer:
            continue
        if other is not None and _same_but_tie_order(answer, other):
            tie_order_only += 1
        else:
            differences.append(f"{path}: naive {answer}; target {other}")
    return Comparison(len(expected), differences, tie_order_only)


def _same_but_tie_order(one: Answer, other: Answer) -> bool:
    return (one.status, one.total, one.sort_keys) == (other.status, other.total, other.sort_keys)


def page_size_bytes(base_url: str, path: str = "/products") -> int:
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        return len(client.get(path).content)
