"""Every answer the store and the sandbox give to a bad request is one their OpenAPI schema
lists for that operation, and its body is `{"detail": ...}`: a sentence that says what to do,
or FastAPI's 422 list. The operations come from the schemas themselves, so new endpoints are
covered as they are added."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers import signed_callback
from tests.sandbox.conftest import InProcessShop

MIB = 1024 * 1024
BODY_METHODS = {"post", "put", "patch", "delete"}
# What Starlette and FastAPI say when nobody says better; never what a client should read.
BARE_PHRASES = {
    "Not Found",
    "Method Not Allowed",
    "Not authenticated",
    "There was an error parsing the body",
    "Bad Request",
    "Unauthorized",
}
PATH_VALUES = ["0", "abc", "9" * 30, "%C3%A9", "f" * 32, "1E-50000000"]
QUERY_VALUES = ["1E-50000000", "\u00b2", "", "-1", "9" * 5000]
BODIES: list[tuple[bytes, str]] = [
    (b"{", "application/json"),
    (b"\xff\xfe{}", "application/json"),
    (b"[]", "application/json"),
    (b'{"amount": 1E-50000000, "quantity": 1E+999999999, "price": "NaN"}', "application/json"),
    (b"csrf_token=%C3%A9&x=" + b"%FF" * 100, "application/x-www-form-urlencoded"),
    (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
    (b"{}", "text/plain"),
    (b"a" * (MIB + 1), "application/json"),
]
AUTHORIZATIONS = [None, "Bearer x", "Bearer " + "e" * 4000, "Basic Zm9vOmJhcg==", "Bearer \u00e9"]


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def bad_requests(path: str, method: str, operation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A battery of bad requests for one operation, as httpx request arguments."""
    names = re.findall(r"{(\w+)}", path)
    for value in PATH_VALUES:
        url = path
        for name in names:
            url = url.replace(f"{{{name}}}", value)
        yield {"url": url}
        if method in BODY_METHODS:
            for body, content_type in BODIES:
                yield {"url": url, "content": body, "headers": {"content-type": content_type}}
        for authorization in AUTHORIZATIONS:
            if authorization is not None:
                yield {"url": url, "headers": {"authorization": authorization.encode()}}
    filled = re.sub(r"{\w+}", "1", path)
    for parameter in operation.get("parameters", []):
        for value in QUERY_VALUES:
            if parameter["in"] == "query":
                yield {"url": filled, "params": {parameter["name"]: value}}
            elif parameter["in"] == "header":
                yield {
                    "url": filled,
                    "headers": {parameter["name"]: value.encode("latin-1", "replace")},
                }


def assert_says_what_to_do(response: httpx.Response, label: str) -> None:
    assert response.headers["content-type"].startswith("application/json"), label
    detail = response.json()["detail"]
    if isinstance(detail, list):  # FastAPI's 422 list
        assert response.status_code == 422, label
        assert all({"loc", "msg", "type"} <= set(error) for error in detail), label
    else:
        assert isinstance(detail, str) and detail not in BARE_PHRASES, (label, detail)
        assert len(detail.split()) >= 3, (label, detail)


@pytest.mark.parametrize("app", ["store", "sandbox"])
async def test_every_bad_request_gets_a_documented_status_and_a_sentence(
    shop: InProcessShop, app: str
) -> None:
    client = shop.store if app == "store" else shop.sandbox
    schema = (await client.get("/openapi.json")).json()
    undocumented: list[str] = []
    sent = 0
    for method, path, operation in operations(schema):
        documented = set(operation["responses"])
        for request in bad_requests(path, method, operation):
            response = await client.request(method.upper(), **request)
            sent += 1
            label = f"{method.upper()} {request['url'][:80]} {str(request)[:160]}"
            assert response.status_code < 500, (label, response.text[:300])
            if str(response.status_code) not in documented and "default" not in documented:
                undocumented.append(f"{label} -> {response.status_code} {response.text[:200]}")
            elif response.status_code >= 400:
                assert_says_what_to_do(response, label)
    assert sent > 100
    assert not undocumented, "\n".join(undocumented[:40])


@pytest.mark.parametrize("app", ["store", "sandbox"])
async def test_unknown_addresses_and_methods_say_what_to_do(shop: InProcessShop, app: str) -> None:
    client = shop.store if app == "store" else shop.sandbox
    schema = (await client.get("/openapi.json")).json()
    missing = await client.get("/no/such/" + "x" * 5000)
    assert missing.status_code == 404
    assert_says_what_to_do(missing, "unknown path")
    assert len(missing.text) < 1000  # the address is not echoed in full
    for path, methods in schema["paths"].items():
        unused = next(m for m in ("put", "patch", "delete", "post", "get") if m not in methods)
        response = await client.request(unused.upper(), re.sub(r"{\w+}", "1", path))
        assert response.status_code in (404, 405), (unused, path)
        assert_says_what_to_do(response, f"{unused} {path}")
        if response.status_code == 405:
            assert response.headers["allow"]


async def test_a_seller_endpoint_without_a_token_says_how_to_get_one(shop: InProcessShop) -> None:
    response = await shop.store.get("/sellers/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "POST /auth/token" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "content_type", "where"),
    [
        (b"\xff\xfe{}", "application/json", "JSON"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x", "form"),
    ],
)
async def test_an_unparseable_body_says_what_to_send(
    shop: InProcessShop, body: bytes, content_type: str, where: str
) -> None:
    path = "/sellers" if where == "JSON" else "/auth/token"
    response = await shop.store.post(path, content=body, headers={"content-type": content_type})
    assert response.status_code in (400, 422)
    assert_says_what_to_do(response, path)
    if response.status_code == 400:
        assert where in response.json()["detail"]


async def test_a_malformed_payment_confirmation_is_fastapis_own_422(shop: InProcessShop) -> None:
    body, headers = signed_callback(
        {"payment_id": "p1", "order_id": "o1", "status": "success", "amount": "lots"}
    )
    response = await shop.store.post("/payments/confirm", content=body, headers=headers)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "amount"]]
