"""The grid's page links: the first, the last and two either side of the current page."""

from __future__ import annotations

import pytest

from shopkeep.web.filters import page_links


@pytest.mark.parametrize(
    ("current", "last", "links"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (3, 5, [1, 2, 3, 4, 5]),
        (5, 10, [1, None, 3, 4, 5, 6, 7, None, 10]),
        (1, 8_334, [1, 2, 3, None, 8_334]),
        (8_334, 8_334, [1, None, 8_332, 8_333, 8_334]),
        (4_000, 8_334, [1, None, 3_998, 3_999, 4_000, 4_001, 4_002, None, 8_334]),
        (99, 5, [1, None, 5]),  # past the end: the first and the last page
    ],
)
def test_page_links_offer_the_ends_and_the_neighbours_with_gaps_marked(
    current: int, last: int, links: list[int | None]
) -> None:
    assert page_links(current, last) == links
