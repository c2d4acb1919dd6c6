"""Checking that the target answers a sample of queries like the naive store does.

Ratios only mean something when both servers do the same work: same totals, same products in the
same order. Differences are reported, not fatal (they point at a semantic gap to look into).
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

Answer = str  # a short, comparable summary of one response


def summarize(response: httpx.Response) -> Answer:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.json()
    if "products" in body:
        ids = [product["id"] for product in body["products"]]
        return f"total {body['total']}, ids {ids}"
    return f"product {body.get('id')}"


def collect_answers(base_url: str, paths: Iterable[str]) -> dict[str, Answer]:
    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        return {path: summarize(client.get(path)) for path in paths}


def disagreements(expected: dict[str, Answer], actual: dict[str, Answer]) -> list[str]:
    return [
        f"{path}: naive {answer}; target {actual.get(path)}"
        for path, answer in expected.items()
        if actual.get(path) != answer
    ]


def page_size_bytes(base_url: str, path: str = "/products") -> int:
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        return len(client.get(path).content)
