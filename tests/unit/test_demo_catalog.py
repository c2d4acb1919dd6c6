"""Contract tests for the demo catalog data in ``shopkeep.catalog.demo``."""

from __future__ import annotations

import dataclasses
import itertools
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from shopkeep.catalog.demo import (
    CATEGORY_NAMES,
    DEMO_PRODUCTS,
    DemoProduct,
    generated_products,
    product_image_svg,
)

SVG_NS = "http://www.w3.org/2000/svg"
GENERATED_SAMPLE = 20_000


def _text(product: DemoProduct) -> str:
    return f"{product.name} {product.description}".lower()


def _product(product_id: int) -> DemoProduct:
    return DEMO_PRODUCTS[product_id - 1]


# --- categories --------------------------------------------------------------------------------


def test_category_names_in_id_order() -> None:
    assert CATEGORY_NAMES == (
        "Electronics",
        "Clothing",
        "Home & Kitchen",
        "Books",
        "Sports & Outdoors",
    )


# --- hand-written demo products ----------------------------------------------------------------


def test_demo_catalog_size_and_category_spread() -> None:
    assert 45 <= len(DEMO_PRODUCTS) <= 50
    per_category = Counter(p.category_id for p in DEMO_PRODUCTS)
    assert set(per_category) == {1, 2, 3, 4, 5}
    assert min(per_category.values()) >= 6


def test_first_products_are_electronics_and_product_5_exists() -> None:
    assert _product(1).category_id == 1
    assert _product(2).category_id == 1
    assert len(DEMO_PRODUCTS) >= 5
    assert _product(5).name


def test_product_3_is_the_mechanical_keyboard() -> None:
    keyboard = _product(3)
    assert keyboard.name == "Mechanical Keyboard"
    assert keyboard.category_id == 1
    assert keyboard.price_cents == 8999
    assert keyboard.rating_tenths == 47
    assert keyboard.stock == 75
    assert keyboard.description.strip()


def test_keyboard_only_matches_product_3_in_demo_catalog() -> None:
    matches = [i for i, p in enumerate(DEMO_PRODUCTS, start=1) if "keyboard" in _text(p)]
    assert matches == [3]


def test_keyboard_never_appears_in_generated_products() -> None:
    offenders = [
        p for p in generated_products(GENERATED_SAMPLE) if "keyboard" in _text(p) + p.brand.lower()
    ]
    assert offenders == []


def test_soundmax_brand_on_several_electronics() -> None:
    soundmax = [p for p in DEMO_PRODUCTS if p.brand == "SoundMax"]
    assert len(soundmax) >= 2
    assert all(p.category_id == 1 for p in soundmax)


def test_at_least_three_wireless_products() -> None:
    assert sum("wireless" in _text(p) for p in DEMO_PRODUCTS) >= 3


def test_brands_are_varied_and_shared() -> None:
    brands = Counter(p.brand for p in DEMO_PRODUCTS)
    assert len(brands) >= 10
    assert sum(1 for count in brands.values() if count >= 2) >= 5


@pytest.mark.parametrize("product", DEMO_PRODUCTS, ids=lambda p: p.name)
def test_demo_product_fields_in_range(product: DemoProduct) -> None:
    assert product.name == product.name.strip()
    assert 0 < len(product.name) <= 200
    assert product.description.strip()
    assert product.description.count(".") <= 3  # one or two sentences
    assert product.brand.strip()
    assert product.category_id in range(1, 6)
    assert 1 <= product.price_cents <= 100_000
    assert 0 <= product.rating_tenths <= 50
    assert 0 <= product.stock <= 200
    for field in dataclasses.fields(DemoProduct):
        expected = str if field.name in {"name", "description", "brand"} else int
        assert type(getattr(product, field.name)) is expected


def test_demo_names_are_unique() -> None:
    names = [p.name for p in DEMO_PRODUCTS]
    assert len(set(names)) == len(names)
    assert len({n.lower() for n in names}) == len(names)


def test_demo_stock_levels_include_out_of_stock_and_low_stock() -> None:
    stocks = [p.stock for p in DEMO_PRODUCTS]
    assert stocks.count(0) >= 2
    assert sum(1 for s in stocks if 1 <= s <= 5) >= 3


def test_demo_prices_and_ratings_are_realistic() -> None:
    prices = [p.price_cents for p in DEMO_PRODUCTS]
    assert min(prices) < 1_000  # a few dollars
    assert max(prices) >= 20_000  # a few hundred dollars
    ratings = [p.rating_tenths for p in DEMO_PRODUCTS]
    assert sum(1 for r in ratings if 35 <= r <= 49) >= 0.8 * len(ratings)


def test_mid_priced_well_rated_products_across_categories() -> None:
    matches = [
        p for p in DEMO_PRODUCTS if 2_000 <= p.price_cents <= 10_000 and p.rating_tenths >= 40
    ]
    assert len(matches) >= 5
    assert len({p.category_id for p in matches}) >= 2


def test_demo_products_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        _product(1).stock = 3  # type: ignore[misc]


# --- generated products ------------------------------------------------------------------------


def test_generated_products_yields_exactly_count() -> None:
    assert sum(1 for _ in generated_products(1234)) == 1234
    assert list(generated_products(0)) == []


def test_generated_products_rejects_negative_count() -> None:
    with pytest.raises(ValueError):
        generated_products(-1)


def test_generated_products_is_deterministic() -> None:
    first = list(generated_products(2_000, seed=7))
    second = list(generated_products(2_000, seed=7))
    assert first == second
    assert list(generated_products(2_000)) == list(generated_products(2_000, seed=42))
    assert list(generated_products(2_000, seed=8)) != first


def test_generated_products_prefix_is_stable() -> None:
    short = list(generated_products(100, seed=3))
    longer = list(itertools.islice(generated_products(1_000, seed=3), 100))
    assert short == longer


def test_generated_products_fields_in_range() -> None:
    products = list(generated_products(GENERATED_SAMPLE))
    demo_names = {p.name for p in DEMO_PRODUCTS}
    for p in products:
        assert 0 < len(p.name) <= 200
        assert p.name not in demo_names
        assert p.description.strip()
        assert p.category_id in range(1, 6)
        assert 199 <= p.price_cents <= 99_999
        assert 10 <= p.rating_tenths <= 50
        assert 0 <= p.stock <= 500

    categories = Counter(p.category_id for p in products)
    assert set(categories) == {1, 2, 3, 4, 5}
    assert min(categories.values()) > GENERATED_SAMPLE * 0.15

    zero_share = sum(1 for p in products if p.stock == 0) / len(products)
    assert 0.03 <= zero_share <= 0.07

    brands = {p.brand for p in products}
    assert 30 <= len(brands) <= 50
    assert any(p.brand == "SoundMax" and p.category_id == 1 for p in products)

    assert len({p.name for p in products}) >= 0.9 * len(products)


def test_generated_prices_are_roughly_log_uniform() -> None:
    prices = [p.price_cents for p in generated_products(GENERATED_SAMPLE)]
    # Each decade band should hold a sizeable share of products.
    under_10 = sum(1 for c in prices if c < 1_000)
    under_100 = sum(1 for c in prices if 1_000 <= c < 10_000)
    over_100 = sum(1 for c in prices if c >= 10_000)
    for band in (under_10, under_100, over_100):
        assert band > 0.2 * len(prices)


def test_generated_names_support_realistic_substring_search() -> None:
    products = list(generated_products(100_000))
    for term in ("wireless", "cotton", "steel", "lamp", "novel", "tent", "bottle"):
        hits = sum(1 for p in products if term in _text(p))
        assert 24 <= hits <= 5_000, (term, hits)


# --- SVG placeholder images --------------------------------------------------------------------


def _parse_svg(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{{{SVG_NS}}}svg"
    return root


def _all_text(root: ET.Element) -> str:
    return " ".join("".join(element.itertext()) for element in root)


@pytest.mark.parametrize("product", DEMO_PRODUCTS, ids=lambda p: p.name)
def test_svg_for_each_demo_product_is_well_formed(product: DemoProduct) -> None:
    svg = product_image_svg(product.name, product.category_id)
    _parse_svg(svg)
    assert len(svg) < 10_000


def test_svg_has_no_external_references() -> None:
    for product in DEMO_PRODUCTS[:10]:
        svg = product_image_svg(product.name, product.category_id)
        assert re.findall(r"https?://[^\"'\s<>]*", svg) == [SVG_NS]
        lowered = svg.lower()
        for forbidden in ("href", "@import", "<image", "<script", "<foreignobject", "url(http"):
            assert forbidden not in lowered


def test_svg_escapes_special_characters() -> None:
    tricky = '<b>&"Tom\'s"'
    svg = product_image_svg(tricky, 2)
    root = _parse_svg(svg)  # would raise if the name were not escaped
    assert "<b>" not in svg
    assert tricky in _all_text(root)
    assert root.get("aria-label") == tricky
    assert len(re.findall(r"https?://", svg)) == 1


def test_svg_is_deterministic_and_varies_by_input() -> None:
    assert product_image_svg("Mechanical Keyboard", 1) == product_image_svg(
        "Mechanical Keyboard", 1
    )
    assert product_image_svg("Mechanical Keyboard", 1) != product_image_svg("Desk Lamp", 3)


@pytest.mark.parametrize(
    ("name", "category_id"),
    [
        ("", 1),
        ("   ", 4),
        ("x" * 200, 3),
        ("A very long product name " * 8, 5),
        ("Control\x00chars\x1f and \ud800 surrogates \ufffe removed", 2),
        ("Emoji \U0001f3d5 Camp & Co", 5),
        ("Unknown category", 0),
        ("Unknown category", 99),
    ],
)
def test_svg_handles_awkward_input(name: str, category_id: int) -> None:
    root = _parse_svg(product_image_svg(name, category_id))
    assert root.get("width") == root.get("height")


def test_svg_names_category() -> None:
    root = _parse_svg(product_image_svg("Cast Iron Skillet", 3))
    assert "HOME & KITCHEN" in _all_text(root)
