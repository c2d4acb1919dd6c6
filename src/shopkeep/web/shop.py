"""Browsing: the product grid, a product's page and product images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from shopkeep.catalog import service as catalog
from shopkeep.catalog.demo import product_image_svg
from shopkeep.db import Tx
from shopkeep.numbers import MAX_TEXT
from shopkeep.web import format
from shopkeep.web.deps import DatabaseDep, RendererDep
from shopkeep.web.filters import (
    PAGE_SIZE,
    RATING_CHOICES,
    SORTS,
    ShopState,
    page_links,
    read_state,
)
from shopkeep.web.forms import parse_id
from shopkeep.web.pages import Badge, cart_badge, cart_id_of

router = APIRouter()
RELATED = 4


@dataclass(frozen=True, slots=True)
class Card:
    """A product as the storefront shows it; amounts in cents."""

    id: int
    name: str
    brand: str
    description: str
    category_id: int
    price_cents: int
    rating: float
    stock: int
    image_url: str

    @property
    def max_quantity(self) -> int:
        return max(1, min(self.stock, 1000))


def card(product: dict[str, Any]) -> Card:
    image = product["image_url"]
    # Only images this site serves: a page never loads anything from elsewhere.
    if not image.startswith("/") or image.startswith("//"):
        image = f"/images/products/{product['id']}.svg"
    return Card(
        id=product["id"],
        name=product["name"],
        brand=product["brand"],
        description=product["description"],
        category_id=product["category_id"],
        price_cents=format.cents_of(product["price"]),
        rating=product["rating"],
        stock=product["stock"],
        image_url=image,
    )


@dataclass(frozen=True, slots=True)
class GridView:
    total: int
    cards: list[Card]
    categories: list[dict[str, Any]]
    brands: list[str]
    badge: Badge


async def grid_view(tx: Tx, state: ShopState, cart_id: str | None) -> GridView:
    page = await catalog.search_products(tx, state.query())
    return GridView(
        total=page["total"],
        cards=[card(product) for product in page["products"]],
        categories=await catalog.list_categories(tx),
        brands=await catalog.list_brands(tx, state.category),
        badge=await cart_badge(tx, cart_id),
    )


@dataclass(frozen=True, slots=True)
class ProductView:
    product: Card
    category: dict[str, Any]
    related: list[Card]
    badge: Badge


async def product_view(tx: Tx, product_id: int, cart_id: str | None) -> ProductView:
    product = await catalog.get_product(tx, product_id)
    return ProductView(
        product=card(product),
        category=product["category"],
        related=[card(p) for p in await catalog.related_products(tx, product_id, RELATED)],
        badge=await cart_badge(tx, cart_id),
    )


@router.get("/", response_class=HTMLResponse)
async def grid(request: Request, database: DatabaseDep, renderer: RendererDep) -> Response:
    state, errors = read_state(request.query_params)
    view = await database.read(grid_view, state, cart_id_of(request))
    last_page = max(1, -(-view.total // PAGE_SIZE))
    category_name = next((c["name"] for c in view.categories if c["id"] == state.category), None)
    if state.category is not None and category_name is None:
        errors.setdefault("category", "That category does not exist.")
    first = (state.page - 1) * PAGE_SIZE + 1
    return renderer.page(
        request,
        "grid.html",
        {
            "state": state,
            "errors": errors,
            # Prices as typed, so a mistake can be corrected where it was made.
            # The grid's own address, without what was left out: forms come back to it.
            "here": state.url(),
            "request_values": {
                # Shown again as typed, so it can be corrected; never more than a field holds.
                name: request.query_params.get(name, "")[:MAX_TEXT]
                for name in ("min_price", "max_price")
            },
            "view": view,
            "category_name": category_name,
            "sorts": SORTS,
            "ratings": RATING_CHOICES,
            "last_page": last_page,
            "pages": page_links(state.page, last_page),
            "first": first,
            "last": min(view.total, first + len(view.cards) - 1),
        },
        badge=view.badge,
    )


async def render_product(
    request: Request,
    database: DatabaseDep,
    renderer: RendererDep,
    product_id: int,
    *,
    error: str = "",
    quantity: str = "1",
    status: int = 200,
) -> Response:
    """A product's page; with `error`, the add-to-cart form shows it next to the quantity."""
    view = await database.read(product_view, product_id, cart_id_of(request))
    return renderer.page(
        request,
        "product.html",
        {
            "view": view,
            "product": view.product,
            "in_cart": view.badge.quantities.get(product_id, 0),
            "error": error,
            "quantity": quantity,
            # Also when shown as the answer to a refused add: its forms come back here.
            "here": f"/products/{product_id}",
        },
        badge=view.badge,
        status=status,
    )


@router.get("/products/{product_id}", response_class=HTMLResponse)
async def product_page(
    request: Request, database: DatabaseDep, renderer: RendererDep, product_id: str
) -> Response:
    parsed = parse_id(product_id)
    if parsed is None:
        raise catalog.ProductNotFound()
    return await render_product(request, database, renderer, parsed)


@router.get("/images/products/{product_id}.svg")
async def product_image(database: DatabaseDep, product_id: str) -> Response:
    parsed = parse_id(product_id)
    if parsed is None:
        raise catalog.ProductNotFound()
    product = await database.read(catalog.get_product, parsed)
    return Response(
        product_image_svg(product["name"], product["category_id"]),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )
