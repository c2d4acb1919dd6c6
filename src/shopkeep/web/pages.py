"""Rendering pages: templates, the shopper's cookies (cart, form token, one-time messages) and
the cart badge every page shows."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from shopkeep.carts import service as carts
from shopkeep.config import Settings
from shopkeep.db import Tx
from shopkeep.web import csrf, format
from shopkeep.web.forms import MAX_NEXT

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"

CART_COOKIE = "shopkeep_cart"
FLASH_COOKIE = "shopkeep_flash"
# A cart is kept for a year; browsers cap cookie lifetimes a little above that anyway.
COOKIE_MAX_AGE = int(timedelta(days=365).total_seconds())
FLASH_MAX_AGE = 60
MAX_FLASH = 500


@dataclass(frozen=True, slots=True)
class Badge:
    """What the header's cart badge shows, and whether the cart cookie names a cart that is
    gone (paid or deleted): then the cookie is dropped and the shopper starts afresh."""

    count: int = 0
    cart_gone: bool = False
    # Units of each product in the cart.
    quantities: Mapping[int, int] = field(default_factory=dict)


def cart_id_of(request: Request) -> str | None:
    value = request.cookies.get(CART_COOKIE)
    return value if value is not None and carts.is_id(value) else None


async def cart_badge(tx: Tx, cart_id: str | None) -> Badge:
    if cart_id is None:
        return Badge()
    try:
        cart = await carts.get_cart(tx, cart_id)
    except carts.CartNotFound:
        return Badge(cart_gone=True)
    quantities = {item["product_id"]: item["quantity"] for item in cart["items"]}
    return Badge(count=sum(quantities.values()), quantities=quantities)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def remember(response: Response, request: Request, name: str, value: str) -> None:
    """A cookie the shop keeps for a year, for itself only (HttpOnly, SameSite=Lax)."""
    response.set_cookie(
        name,
        value,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def remember_cart(response: Response, request: Request, cart_id: str) -> None:
    remember(response, request, CART_COOKIE, cart_id)


def forget_cart(response: Response, request: Request) -> None:
    response.delete_cookie(
        CART_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request)
    )


def redirect(request: Request, url: str, *, flash: str | None = None) -> RedirectResponse:
    """POST-redirect-GET: the next page shows `flash` once, in the status region."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            quote(flash[:MAX_FLASH], safe=""),
            max_age=FLASH_MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=_secure(request),
        )
    return response


class Renderer:
    """Renders templates with what every page needs: the form token, the cart badge, the
    one-time message and the addresses of the static files."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            price=format.price,
            amount=format.amount,
            rating=format.rating,
            stars=format.stars,
            plural=format.plural,
        )
        self.env.globals.update(static=self.static_url, stock_badge=format.stock_badge)
        # Static files are addressed with a digest of their content, so they can be cached for
        # good and a new release is fetched at once.
        self._static_versions = {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in STATIC_DIR.iterdir()
            if path.is_file()
        }

    def static_url(self, name: str) -> str:
        return f"/static/{name}?v={self._static_versions[name]}"

    def page(
        self,
        request: Request,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        badge: Badge,
        status: int = 200,
    ) -> HTMLResponse:
        flash_cookie = request.cookies.get(FLASH_COOKIE)
        seed = csrf.seed(request)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if len(here) > MAX_NEXT:  # echoed into every form of the page: bounded
            here = "/"
        html = self.env.get_template(template).render(
            {
                "csrf_field": csrf.FIELD,
                "csrf_token": csrf.token(self.settings.resolved_session_secret, seed),
                "cart_count": badge.count,
                "flash": unquote(flash_cookie)[:MAX_FLASH] if flash_cookie else "",
                "here": here,
                "path": request.url.path[:MAX_NEXT],
                **(context or {}),
            }
        )
        response = HTMLResponse(html, status_code=status)
        # Pages hold the shopper's cart and form token: never kept by a shared cache.
        response.headers["Cache-Control"] = "private, no-cache"
        if getattr(request.state, "new_csrf_seed", None) == seed:
            response.set_cookie(
                csrf.COOKIE,
                seed,
                max_age=COOKIE_MAX_AGE,
                path="/",
                httponly=True,
                samesite="lax",
                secure=_secure(request),
            )
        if flash_cookie is not None:
            response.delete_cookie(FLASH_COOKIE, path="/")
        if badge.cart_gone:
            forget_cart(response, request)
        return response
