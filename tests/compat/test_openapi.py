"""The OpenAPI schema documents `/api` as it behaves."""

from __future__ import annotations

import httpx

TAG = "seed 002 compatibility"
# 413: a body over 1 MiB, on every method that may carry one; 400: a body that cannot be parsed.
EXPECTED = {
    ("post", "/api/producer"): {"200", "400", "409", "413", "422"},
    ("get", "/api/producer"): {"200", "422"},
    ("get", "/api/producer/{producer_id}"): {"200", "404", "422"},
    ("get", "/api/products"): {"200", "422"},
    ("post", "/api/products"): {"200", "400", "401", "413", "422"},
    ("get", "/api/products/{product_id}"): {"200", "404", "422"},
    ("put", "/api/products/{product_id}"): {"200", "400", "401", "403", "404", "413", "422"},
    ("delete", "/api/products/{product_id}"): {"200", "400", "401", "403", "404", "413", "422"},
    ("post", "/api/shopping_cart"): {"200", "413"},
    ("get", "/api/shopping_cart/{shopping_cart_id}"): {"200", "401", "404", "422"},
    ("put", "/api/shopping_cart/{shopping_cart_id}"): {"200", "400", "401", "404", "413", "422"},
    ("delete", "/api/shopping_cart/{shopping_cart_id}"): {"200", "401", "404", "413", "422"},
    ("post", "/api/shopping_cart/{shopping_cart_id}/checkout"): {
        *("200", "400", "401", "404", "413", "422")
    },
}


async def test_every_endpoint_is_tagged_with_its_answers(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()

    documented = {
        (method, path): operation
        for path, operations in schema["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
    }
    assert set(documented) == set(EXPECTED)
    for key, operation in documented.items():
        assert operation["tags"] == [TAG], key
        assert set(operation["responses"]) == EXPECTED[key], key


async def test_carts_and_producers_are_secured_by_their_own_tokens(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()
    paths = schema["paths"]

    assert schema["components"]["securitySchemes"]["CartToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The `auth_token` that `POST /api/shopping_cart` returned with the cart.",
    }
    for method in ("get", "put", "delete"):
        assert paths["/api/shopping_cart/{shopping_cart_id}"][method]["security"] == [
            {"CartToken": []}
        ]
    for method in ("put", "delete"):
        [scheme] = paths["/api/products/{product_id}"][method]["security"]
        assert "CartToken" not in scheme
    assert "security" not in paths["/api/products"]["get"]
    params = {p["name"] for p in paths["/api/products"]["get"]["parameters"]}
    assert params == {"min-inventory-count", "page", "page_size"}
    cart_params = paths["/api/shopping_cart/{shopping_cart_id}"]["get"]["parameters"]
    assert "use-cache" in {p["name"] for p in cart_params}
