"""Bad input to `/api`: a 4xx whose `detail` says what is wrong, never a 5xx (seed 002 answered
schema errors with 500: here they are 422), and nothing written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shopkeep.carts.models import Cart
from shopkeep.catalog.models import Product
from shopkeep.db import Database, Tx
from shopkeep.sellers.models import Seller
from tests.api.test_bad_input import assert_4xx_with_a_sentence, send, shop_state
from tests.compat.helpers import api_product, filled_cart, producer

KEYBOARD = 3
TEN_KB = "a" * 10 * 1024


@dataclass
class Setup:
    cart_id: str
    cart_auth: dict[str, str]
    producer_auth: dict[str, str]
    product_id: int


@pytest.fixture
async def setup(client: httpx.AsyncClient) -> Setup:
    """A producer with a product, and a cart holding two keyboards."""
    _, producer_auth = await producer(client)
    product = await api_product(client, producer_auth, "Teapot", 19.99, 10)
    cart_id, cart_auth = await filled_cart(client, (KEYBOARD, 2))
    return Setup(cart_id, cart_auth, producer_auth, product["id"])


async def api_state(database: Database) -> dict[str, Any]:
    """Everything a request to `/api` could write."""

    async def read(tx: Tx) -> dict[str, Any]:
        products = await tx.execute(
            select(Product.id, Product.name, Product.price_cents, Product.stock, Product.deleted_at)
        )
        carts = await tx.execute(select(Cart.id, Cart.status, Cart.cached_total_cents))
        return {
            **await shop_state(tx),
            "sellers": int(await tx.scalar(select(func.count()).select_from(Seller))),
            "products": sorted(tuple(row) for row in products),
            "carts": sorted(tuple(row) for row in carts),
        }

    return await database.read(read)


def case(name: str, method: str, path: str, status: int | None = None, **options: Any) -> Any:
    return pytest.param(method, path, options, status, id=name)


CART = "/api/shopping_cart/{cart}"
PRODUCT = "/api/products/{product}"

BAD_REQUESTS = [
    # Schema errors: 422, where seed 002 said 500.
    case("signup-not-json", "POST", "/api/producer", 422, content=b"username=a"),
    case("signup-missing-password", "POST", "/api/producer", 422, json={"username": "maker2"}),
    case(
        "signup-bad-username",
        "POST",
        "/api/producer",
        422,
        json={"username": "a b", "password": "x" * 9},
    ),
    case(
        "signup-10kb-username",
        "POST",
        "/api/producer",
        422,
        json={"username": TEN_KB, "password": "x" * 9},
    ),
    case("product-not-json", "POST", "/api/products", 422, producer=True, content=b"{title"),
    case("product-list-body", "POST", "/api/products", 422, producer=True, json=[1]),
    case(
        "product-10kb-title",
        "POST",
        "/api/products",
        422,
        producer=True,
        json={"title": TEN_KB, "price": 1},
    ),
    case(
        "product-nan-price",
        "POST",
        "/api/products",
        422,
        producer=True,
        content=b'{"title": "a", "price": NaN}',
    ),
    case(
        "product-huge-price",
        "POST",
        "/api/products",
        422,
        producer=True,
        json={"title": "a", "price": 10**30},
    ),
    case(
        "product-huge-stock",
        "POST",
        "/api/products",
        422,
        producer=True,
        json={"title": "a", "price": 1, "inventory_count": 10**30},
    ),
    case(
        "product-unknown-field",
        "POST",
        "/api/products",
        422,
        producer=True,
        json={"title": "a", "price": 1, "colour": "red"},
    ),
    case(
        "product-nul-title",
        "POST",
        "/api/products",
        422,
        producer=True,
        json={"title": "a\x00b", "price": 1},
    ),
    case(
        "product-huge-producer-id",
        "POST",
        "/api/products",
        422,
        producer=True,
        json={"title": "a", "price": 1, "producer_id": 10**30},
    ),
    case("put-product-price-string", "PUT", PRODUCT, 422, producer=True, json={"price": "cheap"}),
    case("put-product-not-json", "PUT", PRODUCT, 422, producer=True, content=b"price=1"),
    case(
        "put-product-negative-stock",
        "PUT",
        PRODUCT,
        422,
        producer=True,
        json={"inventory_count": -1},
    ),
    case("cart-put-missing-quantity", "PUT", CART, 422, cart=True, json={"product_id": KEYBOARD}),
    case(
        "cart-put-quantity-string",
        "PUT",
        CART,
        422,
        cart=True,
        json={"product_id": KEYBOARD, "quantity": "two"},
    ),
    case(
        "cart-put-quantity-fraction",
        "PUT",
        CART,
        422,
        cart=True,
        json={"product_id": KEYBOARD, "quantity": 1.5},
    ),
    case("cart-put-not-json", "PUT", CART, 422, cart=True, content=b"{product_id: 3}"),
    case(
        "cart-put-text-plain",
        "PUT",
        CART,
        422,
        cart=True,
        content=b'{"product_id": 3, "quantity": 1}',
        headers={"content-type": "text/plain"},
    ),
    case("use-cache-text", "GET", CART + "?use-cache=yes", 422, cart=True),
    case("min-inventory-text", "GET", "/api/products?min-inventory-count=lots", 422),
    case("min-inventory-huge", "GET", f"/api/products?min-inventory-count={10**30}", 422),
    case("page-size-too-big", "GET", "/api/products?page_size=1000", 422),
    case("producer-id-huge", "GET", f"/api/producer/{2**31}", 422),
    case("product-id-huge", "GET", f"/api/products/{10**30}", 422),
    # Rules: 400, where seed 002 said 500.
    case(
        "cart-put-above-stock",
        "PUT",
        CART,
        400,
        cart=True,
        json={"product_id": KEYBOARD, "quantity": 76},
    ),
    case(
        "cart-put-negative",
        "PUT",
        CART,
        400,
        cart=True,
        json={"product_id": KEYBOARD, "quantity": -1},
    ),
    case(
        "cart-put-huge",
        "PUT",
        CART,
        400,
        cart=True,
        json={"product_id": KEYBOARD, "quantity": 10**30},
    ),
    # Unknown things: 404.
    case(
        "cart-put-unknown-product",
        "PUT",
        CART,
        404,
        cart=True,
        json={"product_id": 999999, "quantity": 1},
    ),
    case(
        "cart-put-huge-product-id",
        "PUT",
        CART,
        404,
        cart=True,
        json={"product_id": 10**30, "quantity": 1},
    ),
    case(
        "put-unknown-product", "PUT", "/api/products/999999", 404, producer=True, json={"price": 1}
    ),
    case("delete-unknown-product", "DELETE", "/api/products/999999", 404, producer=True),
    case("unknown-product", "GET", "/api/products/999999", 404),
    case("unknown-producer", "GET", "/api/producer/999999", 404),
    # No token, or not the right one: 401.
    case("cart-10kb-id", "GET", f"/api/shopping_cart/{TEN_KB}", 401, cart=True),
    case("cart-nul-id", "POST", "/api/shopping_cart/%00/checkout", 401, cart=True),
    case("cart-no-token", "PUT", CART, 401, json={"product_id": KEYBOARD, "quantity": 1}),
    case("cart-10kb-token", "DELETE", CART, 401, headers={"Authorization": "Bearer " + TEN_KB}),
    case("product-no-token", "POST", "/api/products", 401, json={"title": "a", "price": 1}),
    case("product-cart-token", "DELETE", PRODUCT, 401, cart=True),
]


@pytest.mark.parametrize(("method", "path", "options", "status"), BAD_REQUESTS)
async def test_bad_request_is_4xx_with_a_sentence_and_writes_nothing(
    client: httpx.AsyncClient,
    database: Database,
    setup: Setup,
    method: str,
    path: str,
    options: dict[str, Any],
    status: int | None,
) -> None:
    options = dict(options)
    headers = dict(options.pop("headers", {}))
    if options.pop("cart", False):
        headers = {**setup.cart_auth, **headers}
    if options.pop("producer", False):
        headers = {**setup.producer_auth, **headers}
    url = path.format(cart=setup.cart_id, product=setup.product_id)
    before = await api_state(database)

    response = await send(client, method, url, headers=headers, **options)

    assert_4xx_with_a_sentence(response)
    if status is not None:
        assert response.status_code == status, response.text[:300]
    assert await api_state(database) == before


# --- fuzzing ------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    [
        "product_id",
        "quantity",
        "producer_id",
        "title",
        "price",
        "cost",
        "inventory_count",
        "category_id",
        "username",
        "password",
    ]
)
BODIES = st.one_of(
    st.dictionaries(FIELDS, st.integers(-3, 1003) | JSON_VALUES, max_size=4).map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.binary(max_size=40),
)
PATH_VALUES = st.one_of(st.integers(), st.text(max_size=24)).map(lambda v: quote(str(v), safe=""))
QUERIES = st.dictionaries(
    st.sampled_from(["use-cache", "min-inventory-count", "page", "page_size", "unknown"]),
    st.one_of(st.text(max_size=24), st.integers().map(str), st.floats().map(str)),
    max_size=3,
)
ENDPOINTS = [
    ("POST", "/api/producer"),
    ("GET", "/api/producer"),
    ("GET", "/api/producer/{id}"),
    ("GET", "/api/products"),
    ("POST", "/api/products"),
    ("GET", "/api/products/{id}"),
    ("PUT", "/api/products/{id}"),
    ("DELETE", "/api/products/{id}"),
    ("GET", "/api/shopping_cart/{cart}"),
    ("PUT", "/api/shopping_cart/{cart}"),
    ("DELETE", "/api/shopping_cart/{cart}"),
    ("POST", "/api/shopping_cart/{cart}/checkout"),
]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    own_cart=st.booleans(),
    cart_text=PATH_VALUES,
    product=st.one_of(st.integers(-3, 60).map(str), PATH_VALUES),
    body=BODIES,
    content_type=st.sampled_from(["application/json", "text/plain", None]),
    token=st.sampled_from(["cart", "producer", "none", "garbage"]),
    query=QUERIES,
)
async def test_no_input_to_api_yields_a_5xx(
    client: httpx.AsyncClient,
    setup: Setup,
    endpoint: tuple[str, str],
    own_cart: bool,
    cart_text: str,
    product: str,
    body: str | bytes,
    content_type: str | None,
    token: str,
    query: dict[str, str],
) -> None:
    method, template = endpoint
    path = template.format(cart=setup.cart_id if own_cart else cart_text, id=product)
    headers = {
        "cart": setup.cart_auth,
        "producer": setup.producer_auth,
        "none": {},
        "garbage": {"Authorization": "Bearer x.y.z"},
    }[token]
    options: dict[str, Any] = {"params": query, "headers": dict(headers)}
    if method in ("POST", "PUT"):
        options["content"] = body.encode() if isinstance(body, str) else body
        if content_type is not None:
            options["headers"]["content-type"] = content_type

    response = await send(client, method, path, **options)

    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert_4xx_with_a_sentence(response)
