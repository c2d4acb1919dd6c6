"""Hypothesis over every form of the storefront, the seller portal and the hosted payment page,
against real servers. The forms are found the way a browser finds them (by following the
site's links, signed in as a seller for the portal), so new forms and new fields are fuzzed as
they appear. Each field gets its own value, or a hostile one; the form token is mostly the
valid one (so the handlers behind it are reached), and extra fields and undecodable bodies
are mixed in. No answer may be a 5xx, and every page stays small."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import EXAMPLES, PASSWORD, World

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]

FORM_EXAMPLES = 2 * EXAMPLES
MAX_PAGES = 30
PAGE_LIMIT = 1_000_000
CSRF_FIELD = "csrf_token"
FORM_TYPE = "application/x-www-form-urlencoded"
SENT: dict[str, int] = {}  # submissions by form, for the report

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
HOSTILE = st.one_of(
    TEXT,
    st.sampled_from(
        [
            "1E-50000000",
            "1E-9999999999999999",
            "1e+999999999",
            "0E-99999",
            "9" * 400,
            "-1",
            "0",
            "19.995",
            "NaN",
            "Infinity",
            "\u00b2",
            "\u0663",
            "\uff11",
            "\x00",
            "é" * 64,
            "<script>alert(1)</script>",
            "//evil.example/",
            "x" * 20_000,
        ]
    ),
    st.text(alphabet="0123456789.,eE+-$ ", max_size=30),
)


@dataclass(frozen=True)
class Form:
    base_url: str
    method: str
    action: str
    fields: tuple[tuple[str, str, tuple[str, ...]], ...]  # name, value, choices

    @property
    def shape(self) -> tuple[str, str, tuple[str, ...]]:
        """Forms that differ only in an id are the same form."""
        return (
            self.method,
            re.sub(r"\d+|[0-9a-f]{32}", "N", self.action),
            tuple(name for name, _, _ in self.fields),
        )


@dataclass
class _Page(HTMLParser):
    base_url: str
    page_url: str
    forms: list[Form] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    _form: dict[str, Any] | None = None
    _select: list[Any] | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self._form = {"method": a.get("method", "get").lower(), "action": action, "fields": []}
        elif self._form is not None and tag in ("input", "textarea", "button") and a.get("name"):
            self._form["fields"].append([a["name"], a.get("value", ""), ()])
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = [a["name"], "", ()]
            self._form["fields"].append(self._select)
        elif self._select is not None and tag == "option":
            self._select[2] = (*self._select[2], a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            parts = urlsplit(self._form["action"])
            fields = tuple((name, value, choices) for name, value, choices in self._form["fields"])
            if parts.netloc == urlsplit(self.base_url).netloc:
                self.forms.append(Form(self.base_url, self._form["method"], parts.path, fields))
            self._form = None


def crawl(client: httpx.Client, start: list[str], prefixes: tuple[str, ...]) -> list[Form]:
    """The forms on the pages reachable from `start` by links under `prefixes`."""
    seen: set[str] = set()
    queue = list(start)
    forms: dict[Any, Form] = {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        page = _Page(str(client.base_url), str(response.url))
        page.feed(response.text)
        for form in page.forms:
            forms.setdefault(form.shape, form)
        queue += [link for link in page.links if link.startswith(prefixes) and link not in seen]
    # Logging out ends the session the other forms need: last.
    return sorted(forms.values(), key=lambda form: "logout" in form.action)


@st.composite
def submissions(draw: st.DrawFn, form: Form) -> tuple[dict[str, Any], bytes | None]:
    """Field values for `form` (each its own value, a choice, or hostile), maybe extra fields,
    or a body that is not a form at all."""
    if draw(st.integers(0, 19)) == 0:
        return {}, draw(st.binary(max_size=300))
    values: list[tuple[str, str]] = []
    for name, value, choices in form.fields:
        if name == CSRF_FIELD:
            chosen = draw(st.sampled_from([value, value, value, value, ""]) | HOSTILE)
        elif draw(st.integers(0, 9)) == 0:
            continue  # the field left out
        else:
            chosen = draw(st.sampled_from([value, *choices]) | HOSTILE)
        values.append((name, chosen))
    values += draw(st.lists(st.tuples(TEXT, HOSTILE), max_size=25))
    return {"pairs": values}, None


def fuzz(client: httpx.Client, forms: list[Form]) -> Iterator[str]:
    """Each form, FORM_EXAMPLES times; what went wrong, if anything."""
    for form in forms:
        try:
            fuzz_one(client, form)
        except Exception as error:  # every form is fuzzed; all failures are reported
            yield f"{form.method.upper()} {form.action}: {error}"[:3000]


def fuzz_one(client: httpx.Client, form: Form) -> None:
    label = f"{form.method.upper()} {form.action}"

    @settings(
        max_examples=FORM_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
    )
    @given(submissions(form))
    def submit(submission: tuple[dict[str, Any], bytes | None]) -> None:
        fields, raw = submission
        if form.method == "get":
            # Within what a client puts in an address (httpx refuses a query over 64 KiB).
            pairs = [(name, value[:1000]) for name, value in fields.get("pairs", [])][:30]
            response = client.get(form.action, params=pairs)
        else:
            encoded = raw if raw is not None else urlencode(fields["pairs"]).encode()
            response = client.post(
                form.action, content=encoded, headers={"content-type": FORM_TYPE}
            )
        SENT[label] = SENT.get(label, 0) + 1
        assert response.status_code < 500, (label, response.text[:500])
        assert len(response.content) < PAGE_LIMIT, (label, len(response.content))
        if response.status_code >= 400:
            assert "text/html" in response.headers["content-type"], label

    submit()


def test_no_storefront_or_hosted_page_form_gets_a_5xx_or_a_huge_page(world: World) -> None:
    shop = world.shop
    with (
        httpx.Client(base_url=shop.web_url, timeout=30) as shopper,
        httpx.Client(base_url=shop.payments_url, timeout=30) as sandbox,
    ):
        grid = shopper.get("/")
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', grid.text)
        assert token, "no form token on the grid"
        added = shopper.post(
            "/cart/items", data={CSRF_FIELD: token.group(1), "product_id": "3", "quantity": "1"}
        )
        assert added.status_code == 303
        order = world.ids["order_id"][0]
        forms = crawl(
            shopper, ["/", "/products/3", "/cart", "/checkout", f"/orders/{order}"], ("/",)
        )
        # A payment of its own: the API fuzzers may have paid or cancelled the shared one.
        fresh = sandbox.post(
            "/payments/orders",
            json={"order_id": order, "amount": 89.99, "return_url": f"{shop.web_url}/"},
        )
        assert fresh.status_code == 201, fresh.text
        payment = fresh.json()["payment_id"]
        forms += crawl(sandbox, [f"/pay/{payment}"], ("/pay/",))
        actions = {form.action for form in forms}
        assert {"/cart/items", "/checkout", f"/pay/{payment}"} <= actions, actions
        failures = [*fuzz(shopper, [f for f in forms if f.base_url == str(shopper.base_url)])]
        failures += fuzz(sandbox, [f for f in forms if f.base_url == str(sandbox.base_url)])
    print(f"form submissions: {SENT}")
    assert not failures, "\n\n".join(failures)


def test_no_seller_portal_form_gets_a_5xx_or_a_huge_page(world: World) -> None:
    # A product of the seller's own, whatever the other fuzzers did to the first one: its
    # edit, stock and delete forms are then on the dashboard.
    created = httpx.post(
        f"{world.shop.store_url}/products",
        headers={"Authorization": f"Bearer {world.seller_token}"},
        json={"name": "Fuzzed portal lamp", "category_id": 3, "price": 9.5, "stock": 10},
    )
    assert created.status_code == 201, created.text
    with httpx.Client(base_url=world.shop.web_url, timeout=30) as seller:
        page = seller.get("/sell/login")
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        assert token, "no form token on the log-in page"
        logged_in = seller.post(
            "/sell/login",
            data={CSRF_FIELD: token.group(1), "username": world.seller_name, "password": PASSWORD},
        )
        assert logged_in.status_code == 303, logged_in.text[:500]
        forms = crawl(seller, ["/sell", "/sell/products/new", "/sell/signup"], ("/sell",))
        actions = {re.sub(r"\d+", "N", form.action) for form in forms}
        assert {"/sell/products/new", "/sell/products/N/edit", "/sell/logout"} <= actions, actions
        failures = [*fuzz(seller, forms)]
    print(f"form submissions: {SENT}")
    assert not failures, "\n\n".join(failures)
