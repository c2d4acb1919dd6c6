"""Storefront grid pages paired with the JSON listing of the same query.

A pair shows what rendering the page costs on top of answering the query: the storefront
(`shopkeep web`) and the store API (`shopkeep store`) read the same database, and the JSON
side asks for the grid's page size. Before measuring, both sides are asked once and must show
the same products in the same order, or the pair is flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from bench.workload import SEED001_FILTER

# The storefront grid's page size (`shopkeep.web.filters.PAGE_SIZE`); the id check below
# notices when the two drift apart.
GRID_PAGE_SIZE = 12
_CARD = re.compile(r'class="card-name"><a href="/products/(\d+)"')


@dataclass(frozen=True)
class PagePair:
    key: str
    label: str
    page_path: str
    json_path: str


def page_pairs() -> list[PagePair]:
    size = f"page_size={GRID_PAGE_SIZE}"
    return [
        PagePair("grid_default", "default grid", "/", f"/products?{size}"),
        PagePair(
            "grid_search",
            "search=keyboard",
            "/?search=keyboard",
            f"/products?search=keyboard&{size}",
        ),
        PagePair(
            "grid_filtered",
            "seed-001 filter",
            "/?min_price=20&max_price=100&min_rating=4&sort=price-asc",
            f"{SEED001_FILTER}&{size}",
        ),
    ]


@dataclass(frozen=True)
class PairAnswers:
    """The product ids each side shows, and the size of each body."""

    page_ids: tuple[int, ...]
    json_ids: tuple[int, ...]
    page_bytes: int
    json_bytes: int

    @property
    def same_products(self) -> bool:
        return self.page_ids == self.json_ids


def ask_pair(page_base_url: str, json_base_url: str, pair: PagePair) -> PairAnswers:
    with httpx.Client(timeout=60.0) as client:
        page = client.get(page_base_url + pair.page_path)
        listing = client.get(json_base_url + pair.json_path)
    if page.status_code != 200 or listing.status_code != 200:
        raise RuntimeError(
            f"{pair.label}: page answered {page.status_code}, JSON {listing.status_code}"
        )
    return PairAnswers(
        page_ids=tuple(int(found) for found in _CARD.findall(page.text)),
        json_ids=tuple(product["id"] for product in listing.json()["products"]),
        page_bytes=len(page.content),
        json_bytes=len(listing.content),
    )
