"""Bad input (SPEC §2): every malformed, mistyped, absurd or unknown input gets a 4xx whose
`detail` says what is wrong, never a 5xx, and writes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shopkeep.carts.models import Cart, CartItem
from shopkeep.catalog.models import Product
from shopkeep.db import Database, Tx
from shopkeep.orders.models import Order, OrderLine

KEYBOARD = 3
MIB = 1024 * 1024
TEN_KB = "a" * 10 * 1024
UNKNOWN_CART = "f" * 32
JSON_TYPE = {"content-type": "application/json"}


async def shop_state(tx: Tx) -> dict[str, int]:
    """Row counts and sums that any write by a request would change."""
    return {
        "carts": int(await tx.scalar(select(func.count()).select_from(Cart))),
        "cart_items": int(await tx.scalar(select(func.count()).select_from(CartItem))),
        "units_in_carts": int(
            await tx.scalar(select(func.coalesce(func.sum(CartItem.quantity), 0)))
        ),
        "orders": int(await tx.scalar(select(func.count()).select_from(Order))),
        "order_lines": int(await tx.scalar(select(func.count()).select_from(OrderLine))),
        "stock": int(await tx.scalar(select(func.sum(Product.stock)))),
    }


async def send(client: httpx.AsyncClient, method: str, url: str, **options: Any) -> httpx.Response:
    """Send a request; an exception escaping the app (which a server answers with a 500) fails
    the test with the request that caused it."""
    try:
        return await client.request(method, url, **options)
    except Exception as error:  # the ASGI transport re-raises what the app did not handle
        crash = f"{method} {url[:120]} crashed the app (a 500): {error!r}"[:600]
    pytest.fail(crash, pytrace=False)


def assert_4xx_with_a_sentence(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    detail = response.json()["detail"]
    assert detail, response.text[:300]
    assert isinstance(detail, str | list)


@pytest.fixture
async def cart_id(client: httpx.AsyncClient) -> str:
    """A cart holding two keyboards."""
    cart: str = (await client.post("/cart")).json()["cart_id"]
    response = await client.post(
        f"/cart/{cart}/items", json={"product_id": KEYBOARD, "quantity": 2}
    )
    assert response.status_code == 200
    return cart


def raw(body: bytes | str, content_type: str | None = "application/json") -> dict[str, Any]:
    return {
        "content": body.encode() if isinstance(body, str) else body,
        "headers": {} if content_type is None else {"content-type": content_type},
    }


def case(name: str, method: str, path: str, status: int | None = None, **options: Any) -> Any:
    return pytest.param(method, path, options, status, id=name)


ITEMS = "/cart/{cart}/items"
LINE = "/cart/{cart}/items/3"

# Endpoints taking an id in the path or the query, for the out-of-range ids below.
ID_ENDPOINTS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("product", "GET", "/products/{id}", {}),
    ("related", "GET", "/products/{id}/related", {}),
    ("image", "GET", "/images/products/{id}.svg", {}),
    ("category", "GET", "/categories/{id}", {}),
    ("patch-line", "PATCH", "/cart/{{cart}}/items/{id}", {"json": {"quantity": 1}}),
    ("remove-line", "DELETE", "/cart/{{cart}}/items/{id}", {}),
    ("category-filter", "GET", "/products?category_id={id}", {}),
    ("seller-filter", "GET", "/products?seller_id={id}", {}),
    ("min-stock-filter", "GET", "/products?min_stock={id}", {}),
    ("page", "GET", "/products?page={id}", {}),
    ("brands-category", "GET", "/brands?category_id={id}", {}),
]

BAD_REQUESTS = [
    # Malformed JSON.
    case("truncated-json", "POST", ITEMS, **raw('{"product_id": 3,')),
    case("not-json", "POST", ITEMS, **raw("product_id=3")),
    case("unquoted-keys", "PATCH", LINE, **raw("{quantity: 2}")),
    case("empty-body", "POST", ITEMS, **raw("")),
    case("invalid-utf8", "POST", ITEMS, **raw(b'{"product_id": "\xff\xfe"}')),
    case("deeply-nested", "POST", ITEMS, **raw("[" * 100_000)),
    case("nan-quantity", "POST", ITEMS, **raw('{"product_id": 3, "quantity": NaN}')),
    case("infinite-quantity", "POST", ITEMS, **raw('{"product_id": 3, "quantity": Infinity}')),
    case("overflowing-float", "POST", ITEMS, **raw('{"product_id": 3, "quantity": 1e400}')),
    case("nan-product-id", "POST", ITEMS, **raw('{"product_id": NaN}')),
    case("minus-infinity-patch", "PATCH", LINE, **raw('{"quantity": -Infinity}')),
    case(
        "5000-digit-integer",
        "POST",
        ITEMS,
        **raw('{"product_id": 3, "quantity": 1' + "0" * 5000 + "}"),
    ),
    # Wrong types.
    case("quantity-string", "POST", ITEMS, json={"product_id": 3, "quantity": "abc"}),
    case("quantity-fraction", "POST", ITEMS, json={"product_id": 3, "quantity": 1.5}),
    case("quantity-null", "POST", ITEMS, json={"product_id": 3, "quantity": None}),
    case("quantity-list", "POST", ITEMS, json={"product_id": 3, "quantity": [1]}),
    case("quantity-object", "POST", ITEMS, json={"product_id": 3, "quantity": {"n": 1}}),
    case("product-id-string", "POST", ITEMS, json={"product_id": "abc"}),
    case("product-id-null", "POST", ITEMS, json={"product_id": None}),
    case("product-id-fraction", "POST", ITEMS, json={"product_id": 3.5}),
    case("product-id-list", "POST", ITEMS, json={"product_id": [3]}),
    case("patch-quantity-string", "PATCH", LINE, json={"quantity": "abc"}),
    case("patch-quantity-fraction", "PATCH", LINE, json={"quantity": 1.5}),
    case("patch-quantity-null", "PATCH", LINE, json={"quantity": None}),
    case("patch-quantity-list", "PATCH", LINE, json={"quantity": []}),
    case("body-is-a-list", "POST", ITEMS, json=[{"product_id": 3}]),
    case("body-is-a-string", "POST", ITEMS, json="3"),
    case("body-is-a-number", "PATCH", LINE, json=3),
    case("body-is-null", "POST", ITEMS, json=None),
    # Missing fields.
    case("missing-product-id", "POST", ITEMS, json={"quantity": 2}),
    case("empty-object", "POST", ITEMS, json={}),
    case("missing-quantity", "PATCH", LINE, json={}),
    # Huge and absurd numbers.
    case("huge-product-id", "POST", ITEMS, 404, json={"product_id": 10**30}),
    case("huge-negative-product-id", "POST", ITEMS, 404, json={"product_id": -(10**30)}),
    case("huge-quantity", "POST", ITEMS, 400, json={"product_id": 3, "quantity": 10**30}),
    case(
        "huge-negative-quantity", "POST", ITEMS, 400, json={"product_id": 3, "quantity": -(10**30)}
    ),
    case("patch-huge-quantity", "PATCH", LINE, 400, json={"quantity": 10**30}),
    case("patch-huge-negative-quantity", "PATCH", LINE, 400, json={"quantity": -(10**30)}),
    case("quantity-2-31", "POST", ITEMS, 400, json={"product_id": 3, "quantity": 2**31}),
    # 10 KB strings.
    case("10kb-cart-id-get", "GET", f"/cart/{TEN_KB}", 404),
    case("10kb-cart-id-add", "POST", f"/cart/{TEN_KB}/items", 404, json={"product_id": 3}),
    case("10kb-cart-id-patch", "PATCH", f"/cart/{TEN_KB}/items/3", 404, json={"quantity": 1}),
    case("10kb-cart-id-remove", "DELETE", f"/cart/{TEN_KB}/items/3", 404),
    case("10kb-cart-id-delete", "DELETE", f"/cart/{TEN_KB}", 404),
    case("10kb-cart-id-checkout", "POST", f"/cart/{TEN_KB}/checkout", 404),
    case("10kb-order-id", "GET", f"/orders/{TEN_KB}", 404),
    case("10kb-search", "GET", f"/products?search={TEN_KB}", 422),
    case("10kb-brand", "GET", f"/products?brand={TEN_KB}", 422),
    case("10kb-product-id-string", "POST", ITEMS, json={"product_id": TEN_KB}),
    # Wrong content type.
    case("text-plain-add", "POST", ITEMS, **raw('{"product_id": 3}', "text/plain")),
    case("text-plain-patch", "PATCH", LINE, **raw('{"quantity": 5}', "text/plain")),
    case("form-encoded-add", "POST", ITEMS, data={"product_id": "3", "quantity": "1"}),
    case("no-content-type", "POST", ITEMS, **raw('{"product_id": 3}', None)),
    case("invalid-utf8-text-plain", "POST", ITEMS, **raw(b'{"product_id": "\xff"}', "text/plain")),
    case("invalid-utf8-no-content-type", "PATCH", LINE, **raw(b"\x80", None)),
    # Unknown ids.
    case("unknown-cart", "GET", f"/cart/{UNKNOWN_CART}", 404),
    case("unknown-cart-add", "POST", f"/cart/{UNKNOWN_CART}/items", 404, json={"product_id": 3}),
    case("unknown-cart-checkout", "POST", f"/cart/{UNKNOWN_CART}/checkout", 404),
    case("unknown-product-add", "POST", ITEMS, 404, json={"product_id": 999_999}),
    case("unknown-product-patch", "PATCH", "/cart/{cart}/items/999999", 404, json={"quantity": 1}),
    case("unknown-product-remove", "DELETE", "/cart/{cart}/items/999999", 404),
    case("unknown-order", "GET", f"/orders/{UNKNOWN_CART}", 404),
    case("unknown-product", "GET", "/products/999999", 404),
    case("unknown-category", "GET", "/categories/999999", 404),
    # Ids of 2**31 and beyond, either sign, in paths and queries.
    *[
        case(f"{label}-{kind}", method, path.format(id=number), **options)
        for label, number in [
            ("2**31", 2**31),
            ("2**63", 2**63),
            ("10**30", 10**30),
            ("-2**31-1", -(2**31) - 1),
            ("-2**63-1", -(2**63) - 1),
            ("-10**30", -(10**30)),
        ]
        for kind, method, path, options in ID_ENDPOINTS
    ],
    # NUL characters, which no database text column can hold.
    case("nul-cart-id-get", "GET", "/cart/%00"),
    case("nul-cart-id-add", "POST", "/cart/%00/items", json={"product_id": 3}),
    case("nul-cart-id-checkout", "POST", "/cart/ab%00cd/checkout"),
    case("nul-order-id", "GET", "/orders/%00"),
]


@pytest.mark.parametrize(("method", "path", "options", "status"), BAD_REQUESTS)
async def test_bad_request_is_4xx_with_a_sentence_and_writes_nothing(
    client: httpx.AsyncClient,
    database: Database,
    cart_id: str,
    method: str,
    path: str,
    options: dict[str, Any],
    status: int | None,
) -> None:
    before = await database.read(shop_state)
    cart_before = (await client.get(f"/cart/{cart_id}")).json()

    response = await send(client, method, path.format(cart=cart_id), **options)

    assert_4xx_with_a_sentence(response)
    if status is not None:
        assert response.status_code == status, response.text[:300]
    assert await database.read(shop_state) == before
    assert (await client.get(f"/cart/{cart_id}")).json() == cart_before


@pytest.mark.parametrize(
    "query", ["search=%00", "search=%00%00%00", "search=key%00board", "brand=Sound%00Max"]
)
async def test_text_filters_holding_a_nul_character_match_nothing_and_never_fail(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await send(client, "GET", f"/products?{query}")

    if response.status_code == 200:  # no product's text holds a NUL, so nothing matches
        assert response.json()["total"] == 0
        assert response.json()["products"] == []
    else:
        assert_4xx_with_a_sentence(response)


async def test_body_over_1_mib_with_a_declared_length_is_413(
    client: httpx.AsyncClient, database: Database, cart_id: str
) -> None:
    before = await database.read(shop_state)
    body = b'{"product_id": 3, "quantity": 1, "pad": "' + b"x" * MIB + b'"}'

    response = await send(client, "POST", f"/cart/{cart_id}/items", content=body, headers=JSON_TYPE)

    assert response.status_code == 413
    assert response.json()["detail"]
    assert await database.read(shop_state) == before


async def test_body_over_1_mib_streamed_without_a_length_is_413(
    client: httpx.AsyncClient, database: Database, cart_id: str
) -> None:
    before = await database.read(shop_state)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"product_id": 3, "quantity": 1, "pad": "'
        for _ in range(17):
            yield b"x" * 64 * 1024
        yield b'"}'

    response = await send(
        client, "POST", f"/cart/{cart_id}/items", content=chunks(), headers=JSON_TYPE
    )

    assert response.status_code == 413
    assert response.json()["detail"]
    assert await database.read(shop_state) == before


async def test_body_just_under_1_mib_is_accepted(client: httpx.AsyncClient, cart_id: str) -> None:
    start = b'{"product_id": 3, "quantity": 1}'
    body = start + b" " * (MIB - len(start))

    response = await send(client, "POST", f"/cart/{cart_id}/items", content=body, headers=JSON_TYPE)

    assert response.status_code == 200, response.text[:300]
    assert response.json()["quantity"] == 3


# --- fuzzing ------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
ITEM_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "product_id": st.integers(-3, 60) | JSON_VALUES,
        "quantity": st.integers(-3, 1003) | JSON_VALUES,
    },
)
# json.dumps writes NaN and Infinity as bare words, which strict JSON parsers must refuse.
BODIES = st.one_of(ITEM_BODIES.map(json.dumps), JSON_VALUES.map(json.dumps), st.binary(max_size=40))
PATH_VALUES = st.one_of(st.integers(), st.text(max_size=24)).map(lambda v: quote(str(v), safe=""))
QUERY_NAMES = [
    "category_id",
    "brand",
    "min_price",
    "max_price",
    "min_rating",
    "in_stock",
    "search",
    "sort_by",
    "order",
    "page",
    "page_size",
    "seller_id",
    "min_stock",
    "limit",
    "unknown",
]
QUERIES = st.dictionaries(
    st.sampled_from(QUERY_NAMES),
    st.one_of(st.text(max_size=24), st.integers().map(str), st.floats().map(str)),
    max_size=4,
)
ENDPOINTS = [
    ("POST", "/cart/{cart}/items"),
    ("PATCH", "/cart/{cart}/items/{id}"),
    ("DELETE", "/cart/{cart}/items/{id}"),
    ("GET", "/cart/{cart}"),
    ("POST", "/cart/{cart}/checkout"),
    ("GET", "/products"),
    ("GET", "/products/{id}"),
    ("GET", "/products/{id}/related"),
    ("GET", "/images/products/{id}.svg"),
    ("GET", "/categories/{id}"),
    ("GET", "/brands"),
    ("GET", "/orders/{cart}"),
]


@settings(
    max_examples=60,
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
    query=QUERIES,
)
async def test_no_input_to_the_cart_and_product_endpoints_yields_a_5xx(
    client: httpx.AsyncClient,
    cart_id: str,
    endpoint: tuple[str, str],
    own_cart: bool,
    cart_text: str,
    product: str,
    body: str | bytes,
    content_type: str | None,
    query: dict[str, str],
) -> None:
    method, template = endpoint
    path = template.format(cart=cart_id if own_cart else cart_text, id=product)
    options: dict[str, Any] = {"params": query}
    if method in ("POST", "PATCH"):
        options["content"] = body.encode() if isinstance(body, str) else body
        if content_type is not None:
            options["headers"] = {"content-type": content_type}

    response = await send(client, method, path, **options)

    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert_4xx_with_a_sentence(response)
