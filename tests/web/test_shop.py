"""The product grid and product pages: search, categories, filters, sort, pages, URL state."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shopkeep.db import Database
from tests.invariants import set_product
from tests.web.helpers import card_ids, text_of

KEYBOARD, MONITOR, WATCH = 3, 6, 7
ELECTRONICS, BOOKS = 1, 4


def prices(page: str) -> list[str]:
    return re.findall(r'<p class="card-price">\$([\d,.]+)</p>', page)


def links(page: str, css_class: str) -> list[str]:
    return re.findall(rf'<nav class="{css_class}"[\s\S]*?</nav>', page)


async def test_the_grid_shows_a_page_of_cards_with_everything_a_shopper_compares(
    shop: httpx.AsyncClient,
) -> None:
    response = await shop.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert card_ids(response.text) == list(range(1, 13))
    text = text_of(response.text)
    assert "Showing 1\N{EN DASH}12 of 48 products" in text
    assert "Mechanical Keyboard Tactile Labs $89.99" in text
    assert "Rated 4.7 out of 5" in text
    assert "Only 4 left" in text  # the monitor
    assert "Out of stock" in text  # the watch
    assert '<img src="/images/products/3.svg"' in response.text
    for category in ("Electronics", "Clothing", "Home &amp; Kitchen", "Books", "Sports"):
        assert category in response.text
    # Every card but the sold-out watch's can be added from the grid.
    assert response.text.count('action="/cart/items"') == 11


async def test_search_finds_by_substring_of_name_or_description(shop: httpx.AsyncClient) -> None:
    page = (await shop.get("/", params={"search": "key"})).text
    assert card_ids(page) == [KEYBOARD]
    assert "Results for “key”" in text_of(page)
    assert 'value="key"' in page  # the search box keeps what was typed
    nothing = (await shop.get("/", params={"search": "no such thing"})).text
    assert card_ids(nothing) == [] and "No products match these filters" in text_of(nothing)


async def test_category_brand_price_rating_and_stock_filters_combine(
    shop: httpx.AsyncClient,
) -> None:
    books = (await shop.get("/", params={"category": BOOKS})).text
    assert card_ids(books) == list(range(31, 40))
    assert '<h1 id="results-heading">Books</h1>' in books
    brand = (await shop.get("/", params={"brand": "soundmax"})).text
    assert card_ids(brand) == [1, 2, 8]
    priced = await shop.get(
        "/", params={"category": ELECTRONICS, "min_price": "30", "max_price": "89.99"}
    )
    assert card_ids(priced.text) == [2, 3, 4, 8, 9, 10]
    rated = (await shop.get("/", params={"category": ELECTRONICS, "min_rating": "4.5"})).text
    assert card_ids(rated) == [1, 3, 5, 6]
    in_stock = (await shop.get("/", params={"category": ELECTRONICS, "in_stock": "1"})).text
    assert WATCH not in card_ids(in_stock) and len(card_ids(in_stock)) == 9


def brand_choices(page: str) -> list[str]:
    menu = re.search(r'<select id="brand"[\s\S]*?</select>', page)
    assert menu
    return re.findall(r'<option value="([^"]+)"', menu.group(0))


async def test_the_brand_menu_shows_a_renamed_brand_at_once(
    shop: httpx.AsyncClient, database: Database
) -> None:
    before = brand_choices((await shop.get("/")).text)
    electronics = brand_choices((await shop.get("/", params={"category": ELECTRONICS})).text)
    assert "Tactile Labs" in electronics and "Keysmith" not in before
    await database.write(set_product, KEYBOARD, brand="Keysmith")
    # Another Tactile Labs product stays in the shop.
    assert brand_choices((await shop.get("/")).text) == sorted({*before, "Keysmith"})
    assert brand_choices((await shop.get("/", params={"category": ELECTRONICS})).text) == sorted(
        {*electronics, "Keysmith"}
    )


async def test_sorting_orders_the_cards(shop: httpx.AsyncClient) -> None:
    cheapest = (await shop.get("/", params={"sort": "price-asc"})).text
    assert prices(cheapest)[:3] == ["8.99", "9.99", "12.99"]
    dearest = (await shop.get("/", params={"sort": "price-desc"})).text
    assert prices(dearest)[:2] == ["329.99", "299.99"]
    named = (await shop.get("/", params={"sort": "name-asc", "category": BOOKS})).text
    assert card_ids(named)[0] == 33  # "A Field Guide to Backyard Birds"
    assert 'value="price-asc" selected' in cheapest


async def test_pages_keep_the_filters_and_the_sort_in_their_links(
    shop: httpx.AsyncClient,
) -> None:
    first = (await shop.get("/", params={"in_stock": "1", "sort": "price-asc"})).text
    second_link = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert second_link
    target = second_link.group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(target).query) == {
        "in_stock": ["1"],
        "sort": ["price-asc"],
        "page": ["2"],
    }
    second = (await shop.get(target)).text
    assert "Showing 13\N{EN DASH}24 of 45 products" in text_of(second)
    assert set(card_ids(first)).isdisjoint(card_ids(second))
    assert prices(second)[0] >= prices(first)[-1]
    past_the_end = (await shop.get("/", params={"page": "99"})).text
    assert card_ids(past_the_end) == []
    assert "There are no products on this page" in text_of(past_the_end)


async def test_the_category_links_keep_the_search_and_sort_but_start_at_page_one(
    shop: httpx.AsyncClient,
) -> None:
    page = (await shop.get("/", params={"search": "a", "sort": "rating-desc", "page": "2"})).text
    nav = links(page, "categories")[0]
    assert '<a href="/?search=a&amp;category=4&amp;sort=rating-desc">Books</a>' in nav


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"min_price": "abc"}, "min_price", "Enter a price like 20 or 19.99."),
        ({"max_price": "-5"}, "max_price", "Prices start at 0."),
        ({"min_price": "90", "max_price": "10"}, "max_price", "below the lowest price"),
        ({"min_price": "9" * 40}, "min_price", "Enter a price like 20 or 19.99."),
        ({"min_rating": "7"}, "min_rating", "Choose a rating from 0 to 5."),
        ({"category": "abc"}, "category", "That category does not exist."),
        ({"category": "999"}, "category", "That category does not exist."),
        ({"sort": "cheapest"}, "sort", "That sort order is not available"),
        ({"search": "x" * 300}, "search", "at most 200 characters"),
        ({"search": "a\x00b"}, "search", "cannot hold that character"),
    ],
)
async def test_nonsense_in_the_address_is_explained_next_to_its_field(
    shop: httpx.AsyncClient, params: dict[str, str], field: str, message: str
) -> None:
    response = await shop.get("/", params=params)
    assert response.status_code == 200
    explained = re.search(rf'id="{field}-error">([^<]*)<', response.text)
    assert explained and message in explained.group(1)


async def test_a_page_number_that_is_not_one_shows_the_first_page(
    shop: httpx.AsyncClient,
) -> None:
    for page in ("0", "-3", "two", "9" * 30):
        assert card_ids((await shop.get("/", params={"page": page})).text)[0] == 1


async def test_the_product_page_shows_details_and_related_products(
    shop: httpx.AsyncClient,
) -> None:
    response = await shop.get(f"/products/{KEYBOARD}")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "<h1>Mechanical Keyboard</h1>" in response.text
    assert "by Tactile Labs $89.99" in text
    assert "Category Electronics" in text and "Rating 4.7 out of 5" in text
    assert "Available 75 units" in text
    assert 'name="quantity" type="number"' in response.text
    assert 'max="75"' in response.text
    related = card_ids(response.text)
    assert len(related) == 4 and KEYBOARD not in related
    assert all(pid <= 10 for pid in related)  # all from Electronics


async def test_a_sold_out_product_cannot_be_added(shop: httpx.AsyncClient) -> None:
    page = (await shop.get(f"/products/{WATCH}")).text
    assert "This product is sold out." in page
    assert 'id="quantity"' not in page


@pytest.mark.parametrize("path", ["/products/999999", "/products/abc", "/products/" + "9" * 30])
async def test_an_unknown_product_is_a_friendly_404_page(
    shop: httpx.AsyncClient, path: str
) -> None:
    response = await shop.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "We could not find that product" in response.text


async def test_product_images_are_served_by_the_storefront(shop: httpx.AsyncClient) -> None:
    response = await shop.get(f"/images/products/{KEYBOARD}.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "Mechanical Keyboard" in response.text
    assert (await shop.get("/images/products/999999.svg")).status_code == 404


async def test_markup_in_a_product_name_is_shown_as_text(
    shop: httpx.AsyncClient, database: Database
) -> None:
    name = '<script>alert("pwned")</script><b>Bold</b>'
    await database.write(set_product, KEYBOARD, name=name, description="<img src=x onerror=1>")
    for path in ("/", f"/products/{KEYBOARD}", "/?search=pwned"):
        page = (await shop.get(path)).text
        assert "<script>alert" not in page and "<b>Bold</b>" not in page, path
        assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page, path
    assert "<img src=x" not in (await shop.get(f"/products/{KEYBOARD}")).text
    image = (await shop.get(f"/images/products/{KEYBOARD}.svg")).text
    assert "<script>" not in image
