"""Catalog API (SPEC §3.2): categories, the filtered product listing, brands, related products.

Expected results are computed in Python from `DEMO_PRODUCTS` (product id n is
`DEMO_PRODUCTS[n - 1]`), so every filter is checked against an independent answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, update

from shopkeep.catalog.demo import CATEGORY_NAMES, DEMO_PRODUCTS, DemoProduct
from shopkeep.catalog.models import Product
from shopkeep.db import Database, Tx, utcnow
from shopkeep.inventory import service as inventory
from shopkeep.sellers.models import Seller

DEMO: dict[int, DemoProduct] = dict(enumerate(DEMO_PRODUCTS, start=1))
ALL_IDS = list(DEMO)
PRODUCT_FIELDS = {
    "id",
    "name",
    "description",
    "brand",
    "category_id",
    "price",
    "rating",
    "stock",
    "image_url",
    "seller_id",
}


def ids_where(predicate: Callable[[DemoProduct], bool]) -> list[int]:
    return [product_id for product_id, product in DEMO.items() if predicate(product)]


def matches_search(product: DemoProduct, term: str) -> bool:
    term = term.lower()
    return term in product.name.lower() or term in product.description.lower()


def decimal_json(response: httpx.Response) -> Any:
    """The body with every JSON number that has a fraction parsed as an exact Decimal."""
    return json.loads(response.text, parse_float=Decimal)


async def listing(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/products", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def matching_ids(client: httpx.AsyncClient, **params: Any) -> list[int]:
    """Ids of every product matching `params` (one page of 100 holds the whole demo catalog),
    checking that `total` agrees with what the page holds."""
    page = await listing(client, page_size=100, **params)
    ids = [product["id"] for product in page["products"]]
    assert page["total"] == len(ids)
    return ids


# --- categories ---------------------------------------------------------------------------------


async def test_categories_are_the_five_demo_categories_in_id_order(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/categories")

    assert response.status_code == 200
    assert [(c["id"], c["name"]) for c in response.json()] == [
        (1, "Electronics"),
        (2, "Clothing"),
        (3, "Home & Kitchen"),
        (4, "Books"),
        (5, "Sports & Outdoors"),
    ]


async def test_category_by_id_returns_that_category(client: httpx.AsyncClient) -> None:
    for category_id, name in enumerate(CATEGORY_NAMES, start=1):
        response = await client.get(f"/categories/{category_id}")

        assert response.status_code == 200
        assert response.json()["id"] == category_id
        assert response.json()["name"] == name


@pytest.mark.parametrize("category_id", [0, 6, 999_999])
async def test_unknown_category_is_404_category_not_found(
    client: httpx.AsyncClient, category_id: int
) -> None:
    response = await client.get(f"/categories/{category_id}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Category not found"}


# --- product shape --------------------------------------------------------------------------------


async def test_default_listing_is_the_first_ten_products_by_id_with_the_true_total(
    client: httpx.AsyncClient,
) -> None:
    page = await listing(client)

    assert page["total"] == len(DEMO_PRODUCTS)
    assert page["page"] == 1
    assert page["page_size"] == 10
    assert [p["id"] for p in page["products"]] == ALL_IDS[:10]


async def test_every_listed_product_has_the_spec_fields_with_the_demo_values(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/products", params={"page_size": 100})
    products = decimal_json(response)["products"]

    assert [p["id"] for p in products] == ALL_IDS
    for product in products:
        demo = DEMO[product["id"]]
        assert set(product) >= PRODUCT_FIELDS, f"missing {PRODUCT_FIELDS - set(product)}"
        assert product["name"] == demo.name
        assert product["description"] == demo.description
        assert product["brand"] == demo.brand
        assert product["category_id"] == demo.category_id
        assert product["stock"] == demo.stock
        assert isinstance(product["image_url"], str) and product["image_url"]
        assert product["seller_id"] is None  # the demo catalog belongs to no seller
        # Prices are JSON numbers (parsed as Decimal here) with at most two decimals.
        price = product["price"]
        assert isinstance(price, Decimal), f"price {price!r} is not a JSON number with decimals"
        assert price == Decimal(demo.price_cents) / 100
        exponent = price.as_tuple().exponent
        assert isinstance(exponent, int) and exponent >= -2, f"price rendered as {price}"
        assert Decimal(str(product["rating"])) == Decimal(demo.rating_tenths) / 10


async def test_product_3_is_the_mechanical_keyboard_with_its_category(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/products/3")

    assert response.status_code == 200
    product = decimal_json(response)
    assert set(product) >= PRODUCT_FIELDS
    assert product["id"] == 3
    assert product["name"] == "Mechanical Keyboard"
    assert product["price"] == Decimal("89.99")
    assert product["rating"] == Decimal("4.7")
    assert product["stock"] == 75
    assert product["category_id"] == 1
    assert product["category"]["id"] == 1
    assert product["category"]["name"] == "Electronics"


async def test_product_detail_matches_the_listing_entry(client: httpx.AsyncClient) -> None:
    listed = {p["id"]: p for p in (await listing(client, page_size=100))["products"]}

    for product_id in (1, 17, 33, 48):
        detail = (await client.get(f"/products/{product_id}")).json()
        category = detail.pop("category")
        assert detail == listed[product_id]
        assert category["name"] == CATEGORY_NAMES[DEMO[product_id].category_id - 1]


@pytest.mark.parametrize("product_id", [0, -1, 49, 999_999])
async def test_unknown_product_is_404_product_not_found(
    client: httpx.AsyncClient, product_id: int
) -> None:
    response = await client.get(f"/products/{product_id}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Product not found"}


async def test_product_image_is_an_svg_served_at_the_products_image_url(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/images/products/3.svg")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.startswith("<svg")
    assert "Mechanical Keyboard" in response.text
    image_url = (await client.get("/products/3")).json()["image_url"]
    assert (await client.get(image_url)).content == response.content


async def test_image_of_an_unknown_product_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/images/products/999.svg")

    assert response.status_code == 404
    assert response.json() == {"detail": "Product not found"}


# --- filters --------------------------------------------------------------------------------------


@pytest.mark.parametrize("category_id", [1, 2, 3, 4, 5])
async def test_category_filter_lists_exactly_that_categorys_products(
    client: httpx.AsyncClient, category_id: int
) -> None:
    expected = ids_where(lambda p: p.category_id == category_id)

    assert await matching_ids(client, category_id=category_id) == expected


async def test_category_filter_of_an_empty_category_is_empty(client: httpx.AsyncClient) -> None:
    page = await listing(client, category_id=99)

    assert page["total"] == 0
    assert page["products"] == []


@pytest.mark.parametrize("brand", ["SoundMax", "soundmax", "SOUNDMAX", "sOuNdMaX"])
async def test_brand_filter_is_case_insensitive_equality(
    client: httpx.AsyncClient, brand: str
) -> None:
    expected = ids_where(lambda p: p.brand == "SoundMax")

    assert len(expected) >= 2
    assert await matching_ids(client, brand=brand) == expected


async def test_brand_filter_matches_the_whole_name_not_a_prefix(
    client: httpx.AsyncClient,
) -> None:
    assert await matching_ids(client, brand="Sound") == []
    assert await matching_ids(client, brand="harlow & finch") == ids_where(
        lambda p: p.brand == "Harlow & Finch"
    )


async def test_min_price_is_inclusive(client: httpx.AsyncClient) -> None:
    expected = ids_where(lambda p: p.price_cents >= 5999)

    ids = await matching_ids(client, min_price="59.99")

    assert ids == expected
    assert 2 in ids  # Portable Bluetooth Speaker costs exactly 59.99


async def test_max_price_is_inclusive(client: httpx.AsyncClient) -> None:
    expected = ids_where(lambda p: p.price_cents <= 2999)

    ids = await matching_ids(client, max_price="29.99")

    assert ids == expected
    assert 5 in ids  # Wireless Ergonomic Mouse costs exactly 29.99


async def test_price_range_keeps_products_between_both_bounds(client: httpx.AsyncClient) -> None:
    expected = ids_where(lambda p: 2999 <= p.price_cents <= 8999)

    assert await matching_ids(client, min_price=29.99, max_price=89.99) == expected


async def test_whole_number_price_bounds_compare_as_amounts(client: httpx.AsyncClient) -> None:
    expected = ids_where(lambda p: 1000 <= p.price_cents <= 5000)

    assert await matching_ids(client, min_price=10, max_price=50) == expected


@pytest.mark.parametrize(("min_rating", "tenths"), [("4.5", 45), ("4.7", 47), ("0", 0), ("5", 50)])
async def test_min_rating_keeps_products_rated_at_least_that(
    client: httpx.AsyncClient, min_rating: str, tenths: int
) -> None:
    expected = ids_where(lambda p: p.rating_tenths >= tenths)

    assert await matching_ids(client, min_rating=min_rating) == expected


async def test_in_stock_keeps_only_products_with_stock(client: httpx.AsyncClient) -> None:
    expected = ids_where(lambda p: p.stock > 0)

    ids = await matching_ids(client, in_stock="true")

    assert ids == expected
    assert len(ids) < len(DEMO_PRODUCTS)  # the demo catalog has sold-out products


@pytest.mark.parametrize("min_stock", [0, 1, 75, 150, 201])
async def test_min_stock_keeps_products_with_at_least_that_many_units(
    client: httpx.AsyncClient, min_stock: int
) -> None:
    expected = ids_where(lambda p: p.stock >= min_stock)

    assert await matching_ids(client, min_stock=min_stock) == expected


async def set_seller(tx: Tx, product_ids: list[int], seller_id: int) -> None:
    """Hand demo products to a seller (created on the spot, without a usable password)."""
    await tx.execute(
        insert(Seller).values(
            id=seller_id, username=f"seller{seller_id}", password_hash="-", created_at=utcnow()
        )
    )
    await tx.execute(update(Product).where(Product.id.in_(product_ids)).values(seller_id=seller_id))


async def test_seller_filter_keeps_only_that_sellers_products(
    client: httpx.AsyncClient, database: Database
) -> None:
    await database.write(set_seller, [3, 5, 40], 7)
    await database.write(set_seller, [4], 8)

    assert await matching_ids(client, seller_id=7) == [3, 5, 40]
    assert await matching_ids(client, seller_id=8) == [4]
    assert await matching_ids(client, seller_id=9) == []


async def test_filters_combine_with_and(client: httpx.AsyncClient) -> None:
    expected = ids_where(
        lambda p: (
            p.category_id == 1 and p.stock > 0 and p.price_cents >= 3000 and p.rating_tenths >= 44
        )
    )

    ids = await matching_ids(client, category_id=1, in_stock="true", min_price=30, min_rating=4.4)

    assert ids == expected
    assert ids  # the combination is not trivially empty


# --- search ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("term", ["key", "KEY", "Keyboard", "mechanical keyboard", "hot-swappable"])
async def test_search_finds_the_mechanical_keyboard_by_any_case_substring(
    client: httpx.AsyncClient, term: str
) -> None:
    assert await matching_ids(client, search=term) == [3]


@pytest.mark.parametrize("term", ["wireless", "WIRELESS", "coffee", "a", "ca", "USB-C"])
async def test_search_matches_substrings_of_name_or_description(
    client: httpx.AsyncClient, term: str
) -> None:
    expected = ids_where(lambda p: matches_search(p, term))

    ids = await matching_ids(client, search=term)

    assert ids == expected
    assert ids  # every term above occurs in the demo catalog


async def test_search_finds_words_that_only_occur_in_the_description(
    client: httpx.AsyncClient,
) -> None:
    assert "hard case" not in DEMO[1].name.lower()
    assert ids_where(lambda p: matches_search(p, "hard case")) == [1]

    assert await matching_ids(client, search="hard case") == [1]


async def test_search_without_a_match_is_empty_with_total_zero(client: httpx.AsyncClient) -> None:
    page = await listing(client, search="zzzqqq")

    assert page == {"total": 0, "page": 1, "page_size": 10, "products": []}


async def add_products(tx: Tx, rows: list[dict[str, Any]]) -> None:
    await tx.execute(insert(Product), rows)
    for row in rows:
        await inventory.initial_stock(tx, row["id"], row.get("stock", 0), "test")


async def test_search_takes_percent_and_underscore_literally(
    client: httpx.AsyncClient, database: Database
) -> None:
    mug_id, sticker_id = 101, 102
    common = {"brand": "Oddities", "category_id": 3, "price_cents": 499, "stock": 5}
    await database.write(
        add_products,
        [
            {"id": mug_id, "name": "Clearance Mug", "description": "Now 50% off!", **common},
            {"id": sticker_id, "name": "snake_case Sticker", "description": "Vinyl.", **common},
        ],
    )

    assert await matching_ids(client, search="%") == [mug_id]
    assert await matching_ids(client, search="50%") == [mug_id]
    assert await matching_ids(client, search="_") == [sticker_id]
    # As wildcards these would also match "Noise-Cancelling" (e-c) and "100 W" (100 ).
    assert await matching_ids(client, search="e_c") == [sticker_id]
    assert await matching_ids(client, search="100%") == []


async def test_search_sees_a_renamed_product_under_its_new_name_only(
    client: httpx.AsyncClient, database: Database
) -> None:
    async def rename(tx: Tx) -> None:
        await tx.execute(update(Product).where(Product.id == 5).values(name="Vertical Trackball"))

    await database.write(rename)

    assert await matching_ids(client, search="trackball") == [5]
    assert 5 not in await matching_ids(client, search="Ergonomic Mouse")


def as_is(text: str) -> str:
    return text


@st.composite
def demo_substrings(draw: st.DrawFn) -> str:
    """A piece of some demo product's name or description, in a random letter case."""
    product = draw(st.sampled_from(DEMO_PRODUCTS))
    text = draw(st.sampled_from([product.name, product.description]))
    start = draw(st.integers(0, len(text) - 1))
    length = draw(st.integers(1, min(12, len(text) - start)))
    piece = text[start : start + length]
    case: Callable[[str], str] = draw(
        st.sampled_from([str.lower, str.upper, str.swapcase, str.title, as_is])
    )
    return case(piece)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(term=demo_substrings())
async def test_search_agrees_with_a_case_insensitive_substring_scan(
    client: httpx.AsyncClient, term: str
) -> None:
    expected = ids_where(lambda p: matches_search(p, term))

    assert await matching_ids(client, search=term) == expected


# --- sorting and pagination ----------------------------------------------------------------------

SORT_KEYS: dict[str, Callable[[DemoProduct], Any]] = {
    "price": lambda p: p.price_cents,
    "rating": lambda p: p.rating_tenths,
    "name": lambda p: p.name,
}
LISTED_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "price": lambda p: Decimal(str(p["price"])),
    "rating": lambda p: Decimal(str(p["rating"])),
    "name": lambda p: p["name"],
}


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", ["price", "rating", "name"])
async def test_sort_orders_the_whole_catalog_by_that_field(
    client: httpx.AsyncClient, sort_by: str, order: str
) -> None:
    products = (await listing(client, sort_by=sort_by, order=order, page_size=100))["products"]
    expected = sorted((SORT_KEYS[sort_by](p) for p in DEMO_PRODUCTS), reverse=order == "desc")
    if sort_by != "name":
        expected = [Decimal(key) / (100 if sort_by == "price" else 10) for key in expected]

    assert [LISTED_KEYS[sort_by](p) for p in products] == expected
    assert sorted(p["id"] for p in products) == ALL_IDS


async def test_order_desc_without_sort_by_lists_by_id_descending(
    client: httpx.AsyncClient,
) -> None:
    products = (await listing(client, order="desc", page_size=5))["products"]

    assert [p["id"] for p in products] == [48, 47, 46, 45, 44]


async def test_sorted_pages_are_consistent_slices_of_one_order(client: httpx.AsyncClient) -> None:
    """Ties (several products share a price) must not make a product appear on two pages."""
    whole = (await listing(client, sort_by="price", order="desc", page_size=100))["products"]
    paged: list[int] = []
    for page in range(1, 8):
        result = await listing(client, sort_by="price", order="desc", page=page, page_size=7)
        assert result["total"] == len(DEMO_PRODUCTS)
        paged += [p["id"] for p in result["products"]]

    assert paged == [p["id"] for p in whole]


async def test_pages_walk_the_catalog_in_id_order(client: httpx.AsyncClient) -> None:
    seen: list[int] = []
    for page in range(1, 8):
        result = await listing(client, page=page, page_size=7)
        assert (result["page"], result["page_size"], result["total"]) == (page, 7, 48)
        seen += [p["id"] for p in result["products"]]

    assert seen == ALL_IDS
    assert len((await listing(client, page=7, page_size=7))["products"]) == 6


@pytest.mark.parametrize(
    ("params", "total"),
    [
        ({}, 48),
        ({"category_id": 2}, len(ids_where(lambda p: p.category_id == 2))),
        ({"brand": "trailhaven"}, len(ids_where(lambda p: p.brand == "Trailhaven"))),
        ({"search": "wireless"}, len(ids_where(lambda p: matches_search(p, "wireless")))),
        (
            {"in_stock": "true", "min_price": 20},
            len(ids_where(lambda p: p.stock > 0 and p.price_cents >= 2000)),
        ),
    ],
)
async def test_page_past_the_end_is_empty_with_the_true_total(
    client: httpx.AsyncClient, params: dict[str, Any], total: int
) -> None:
    page = await listing(client, page=50, page_size=3, **params)

    assert page["products"] == []
    assert page["total"] == total
    assert page["page"] == 50


async def test_total_counts_every_match_not_just_the_page(client: httpx.AsyncClient) -> None:
    expected = ids_where(lambda p: p.category_id == 3 and p.price_cents <= 4000)

    page = await listing(client, category_id=3, max_price=40, page_size=2, page=2)

    assert page["total"] == len(expected)
    assert [p["id"] for p in page["products"]] == expected[2:4]


async def test_total_follows_products_moved_between_categories(
    client: httpx.AsyncClient, database: Database
) -> None:
    async def move_to_books(tx: Tx) -> None:
        await tx.execute(update(Product).where(Product.id.in_([1, 2])).values(category_id=4))

    await database.write(move_to_books)
    books = ids_where(lambda p: p.category_id == 4)

    assert (await listing(client, category_id=4, page_size=1))["total"] == len(books) + 2
    assert (await listing(client, category_id=1, page_size=1))["total"] == 8
    assert (await listing(client, page_size=1))["total"] == 48


# --- bad parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page_size=0",
        "page_size=101",
        "search=",
        "search=" + "x" * 201,
        "sort_by=bogus",
        "sort_by=price;drop",
        "order=bogus",
        "order=ASCENDING",
        "min_rating=6",
        "min_rating=-0.1",
        "min_price=-1",
        "max_price=-0.01",
        "min_price=abc",
        "max_price=cheap",
        "min_price=NaN",
        "page=two",
        "page_size=1.5",
        "category_id=abc",
        "min_stock=-1",
        "min_stock=lots",
        "in_stock=perhaps",
        "seller_id=x",
    ],
)
async def test_bad_listing_parameters_are_422(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"/products?{query}")

    assert response.status_code == 422, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize("query", ["search=" + "x" * 200, "page_size=100", "page_size=1"])
async def test_listing_parameters_at_their_limits_are_accepted(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await client.get(f"/products?{query}")

    assert response.status_code == 200, response.text


# --- brands ---------------------------------------------------------------------------------------


async def test_brands_are_the_sorted_distinct_brand_names(client: httpx.AsyncClient) -> None:
    response = await client.get("/brands")

    assert response.status_code == 200
    assert response.json() == sorted({p.brand for p in DEMO_PRODUCTS})


@pytest.mark.parametrize("category_id", [1, 2, 3, 4, 5])
async def test_brands_of_a_category_are_only_that_categorys_brands(
    client: httpx.AsyncClient, category_id: int
) -> None:
    response = await client.get("/brands", params={"category_id": category_id})

    assert response.json() == sorted(
        {p.brand for p in DEMO_PRODUCTS if p.category_id == category_id}
    )


async def test_brands_of_an_empty_category_are_an_empty_list(client: httpx.AsyncClient) -> None:
    response = await client.get("/brands", params={"category_id": 99})

    assert response.status_code == 200
    assert response.json() == []


# --- related products -----------------------------------------------------------------------------


async def test_related_products_are_four_others_of_the_same_category_by_default(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/products/3/related")

    assert response.status_code == 200
    related = response.json()
    assert len(related) == 4
    assert all(set(p) >= PRODUCT_FIELDS for p in related)
    assert all(p["category_id"] == 1 for p in related)
    assert 3 not in [p["id"] for p in related]
    assert len({p["id"] for p in related}) == 4


async def test_related_products_with_a_large_limit_are_every_other_product_of_the_category(
    client: httpx.AsyncClient,
) -> None:
    expected = [i for i in ids_where(lambda p: p.category_id == 4) if i != 33]

    related = (await client.get("/products/33/related", params={"limit": 20})).json()

    assert sorted(p["id"] for p in related) == expected


@pytest.mark.parametrize("limit", [1, 2, 9])
async def test_related_products_honour_the_limit(client: httpx.AsyncClient, limit: int) -> None:
    related = (await client.get("/products/12/related", params={"limit": limit})).json()

    assert len(related) == limit
    assert all(p["category_id"] == 2 and p["id"] != 12 for p in related)


@pytest.mark.parametrize("limit", [0, 21, -1, "many"])
async def test_related_limit_outside_1_to_20_is_422(
    client: httpx.AsyncClient, limit: int | str
) -> None:
    response = await client.get("/products/3/related", params={"limit": limit})

    assert response.status_code == 422


async def test_related_products_of_an_unknown_product_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/products/999/related")

    assert response.status_code == 404
    assert response.json() == {"detail": "Product not found"}


PRODUCT_LISTS = (
    "",
    "?page=2&page_size=3",
    "?search=keyboard&sort_by=price&order=desc",
    "?category_id=1&min_price=10.005&max_price=200&min_rating=4.05&in_stock=true",
    "?brand=%C3%A9clair&sort_by=name",
    "?min_price=abc",
    "?min_price=1E-99999",
    "?page=0",
    "?page_size=101",
    "?search=%00",
    "?category_id=99999999999999999999999",
    "?sort_by=popularity",
    "?search=" + "x" * 201,
)
# Headers of the layers in front of both ways: the response cache's validators, the request id.
OUTER = {"etag", "cache-control", "x-request-id"}


async def test_product_lists_answered_in_front_of_fastapi_are_fastapis_answers(
    database: Database, settings: Any
) -> None:
    """`GET /products` is answered in front of FastAPI's layers; a query FastAPI refuses still
    goes to FastAPI. Both ways give the same status, headers and body."""
    from fastapi import FastAPI

    from shopkeep.store.app import create_app

    app = create_app(settings.model_copy(update={"catalog_cache_mb": 0}), database)

    async def fastapi_only(scope: Any, receive: Any, send: Any) -> None:
        await FastAPI.__call__(app, scope, receive, send)

    answers = []
    for asgi in (app, fastapi_only):
        transport = httpx.ASGITransport(app=asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://store.test") as client:
            responses = [await client.get("/products" + query) for query in PRODUCT_LISTS]
        answers.append(
            [
                (
                    r.status_code,
                    sorted(h for h in r.headers.multi_items() if h[0] not in OUTER),
                    r.content,
                )
                for r in responses
            ]
        )
    front, fastapi = answers
    for query, by_front, by_fastapi in zip(PRODUCT_LISTS, front, fastapi, strict=True):
        assert by_front == by_fastapi, query
    statuses = [status for status, _, _ in front]
    assert statuses == [200] * 5 + [422] * 8
    assert (
        json.loads(front[1][2])["total"] == len(DEMO)
        and len(json.loads(front[1][2])["products"]) == 3
    )
