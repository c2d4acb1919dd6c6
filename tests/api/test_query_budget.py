"""Listing a page and checking out a cart run a small, fixed number of SQL statements."""

from __future__ import annotations

import httpx

from shopkeep.db import Database
from tests.helpers import cart_with, counting_statements


async def test_a_page_of_products_costs_at_most_two_statements(
    client: httpx.AsyncClient, database: Database
) -> None:
    for url in (
        "/products",
        "/products?page=2&page_size=20",
        "/products?search=wireless&sort_by=price",
        "/products?category_id=1&min_price=10&max_price=500&min_rating=3&in_stock=true&page=2",
    ):
        with counting_statements(database) as statements:
            response = await client.get(url)
        assert response.status_code == 200
        assert len(statements) <= 2, (url, statements)


async def test_checkout_statement_count_does_not_grow_with_the_number_of_lines(
    client: httpx.AsyncClient, database: Database
) -> None:
    counts = []
    for lines in ([(1, 1)], [(1, 1), (2, 1), (3, 1), (4, 1), (6, 1)]):
        cart_id = await cart_with(client, *lines)
        with counting_statements(database) as statements:
            response = await client.post(f"/cart/{cart_id}/checkout")
        assert response.status_code == 200, response.text
        assert any("INSERT INTO orders " in statement for statement in statements)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # SQLite: the cart with its pending order and its lines, the conditional stock update, the
    # order, its lines, their movements. PostgreSQL: the cart's lock, its lines (a cart with no
    # pending order), then one statement for the rest.
    assert counts[1] <= (5 if database.dialect == "sqlite" else 3), counts


async def test_cart_view_costs_two_statements_whatever_its_size(
    client: httpx.AsyncClient, database: Database
) -> None:
    cart_id = await cart_with(client, (1, 1), (2, 1), (3, 1), (4, 1), (6, 1))
    with counting_statements(database) as statements:
        response = await client.get(f"/cart/{cart_id}")
    assert len(response.json()["items"]) == 5
    assert len(statements) <= 2, statements
