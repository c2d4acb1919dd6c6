"""What every response carries, static files, and the friendly error pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.web.app import create_app
from tests.inprocess import Apps, wired_settings
from tests.web.conftest import BASE_URL
from tests.web.helpers import add

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self' http://sandbox.test; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)


def assert_secured(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


class BrokenDatabase(Database):
    """A database whose every transaction fails, as a lost connection would."""

    def __init__(self) -> None:
        self.url = "broken://"
        self.memo = {}

    @property
    def dialect(self) -> str:
        return "sqlite"

    async def read(self, work: Any, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the database went away")

    write = read

    async def close(self) -> None:
        pass


@pytest.fixture
async def broken_shop(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(wired_settings(settings), BrokenDatabase())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


async def test_every_kind_of_response_carries_the_security_headers(
    shop: httpx.AsyncClient,
) -> None:
    page = await shop.get("/")
    stylesheet = re.search(r'href="(/static/shop\.css\?v=\w+)"', page.text)
    assert stylesheet
    for response in (
        page,
        await shop.get("/products/3"),
        await shop.get("/cart"),
        await shop.get("/images/products/3.svg"),
        await shop.get(stylesheet.group(1)),
        await shop.get("/no/such/page"),
        await shop.post("/cart/items", data={"product_id": "3"}),  # refused: no token
        await add(shop, 3, 1),  # a redirect
        await shop.get("/healthz"),
    ):
        assert_secured(response)


async def test_the_form_action_policy_names_the_configured_payment_provider(
    database: Database, settings: Settings
) -> None:
    settings = settings.model_copy(update={"payments_url": "https://pay.example:8443/base"})
    transport = httpx.ASGITransport(app=create_app(settings, database))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        policy = (await client.get("/")).headers["content-security-policy"]
    assert "form-action 'self' https://pay.example:8443;" in policy


async def test_pages_use_no_inline_script_or_style_and_nothing_from_elsewhere(
    shop: httpx.AsyncClient,
) -> None:
    await add(shop, 3, 1)
    for path in ("/", "/products/3", "/cart", "/checkout", "/nope"):
        page = (await shop.get(path)).text
        assert re.findall(r"<script[^>]*>", page) == [
            re.search(r'<script src="/static/shop\.js\?v=\w+" defer>', page).group(0)  # type: ignore[union-attr]
        ]
        assert " style=" not in page and "<style" not in page, path
        assert not re.search(r"<[^>]*\son[a-z]+=", page), path  # no inline event handlers
        assert not re.search(r'(src|href|action)="(https?:)?//', page), path


async def test_static_files_are_cached_by_content(shop: httpx.AsyncClient) -> None:
    page = (await shop.get("/")).text
    script = re.search(r'src="(/static/shop\.js\?v=\w+)"', page)
    assert script
    response = await shop.get(script.group(1))
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    unversioned = await shop.get("/static/shop.js")
    assert unversioned.status_code == 200 and "cache-control" not in unversioned.headers
    assert "private" in (await shop.get("/")).headers["cache-control"]


async def test_templates_are_compiled_once_not_for_every_page(
    apps: Apps, shop: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = apps.web.state.renderer.env
    compile_source = env.compile
    compiled: list[str | None] = []

    def counting_compile(source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return compile_source(source, name, *args, **kwargs)

    monkeypatch.setattr(env, "compile", counting_compile)
    for _ in range(3):
        assert (await shop.get("/", params={"search": "a"})).status_code == 200
    assert sorted(compiled) == ["_products.html", "base.html", "grid.html"]


async def test_an_unknown_page_is_a_friendly_404_with_the_shop_around_it(
    shop: httpx.AsyncClient,
) -> None:
    await add(shop, 3, 2)
    response = await shop.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in response.text
    assert 'href="/">Go to the shop</a>' in response.text
    assert '<span class="badge" data-cart-count>2</span>' in response.text


async def test_a_wrong_method_is_a_friendly_page(shop: httpx.AsyncClient) -> None:
    response = await shop.delete("/cart")
    assert response.status_code == 405
    assert "does not accept that kind of request" in response.text
    assert response.headers["allow"] == "GET"


async def test_a_failure_on_our_side_is_a_friendly_500_page(
    broken_shop: httpx.AsyncClient,
) -> None:
    response = await broken_shop.get("/")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong on our side" in response.text
    assert "the database went away" not in response.text
    assert_secured(response)


async def test_the_health_check_answers(shop: httpx.AsyncClient) -> None:
    response = await shop.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_placeholder_session_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="SHOPKEEP_SESSION_SECRET"):
        Settings(session_secret="changeme").resolved_session_secret  # noqa: B018
