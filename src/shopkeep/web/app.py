"""The web application: the storefront, the seller portal and the back office on port 3000."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopkeep import __version__, telemetry, upkeep
from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.errors import ShopError
from shopkeep.http import JSON, App, BodySizeLimit
from shopkeep.migrate import STORE_MIGRATIONS
from shopkeep.payments.client import PaymentsClient
from shopkeep.web import cart, orders, sell, sell_orders, shop
from shopkeep.web.admin import mail as admin_mail
from shopkeep.web.admin import pages as admin
from shopkeep.web.admin import pricing as admin_pricing
from shopkeep.web.admin import products as admin_products
from shopkeep.web.grid_cache import GridPageCache
from shopkeep.web.pages import STATIC_DIR, Badge, Renderer, cart_badge, cart_id_of
from shopkeep.web.portal import LogInFirst

# What a shopper reads for each error status when the error itself has nothing better to say.
ERROR_TITLES = {
    400: ("Something is not right", "The request could not be understood."),
    403: ("Not allowed", "This action is not allowed."),
    404: ("Page not found", "We could not find the page you were looking for."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What was sent is larger than this shop accepts."),
    415: ("Not understood", "What was sent is in a form this shop does not accept."),
    500: ("Something went wrong", "Something went wrong on our side. Please try again."),
    503: ("Busy", "The shop is very busy right now. Please try again in a moment."),
}
# Domain errors' details in the words of the person reading the page.
DETAIL_WORDS = {
    "Product not found": "We could not find that product. It may have been removed.",
    "Order not found": "We could not find that order. Check the address and try again.",
    "This product belongs to another seller": (
        "This product belongs to another seller: you can change only your own products."
    ),
    "This product belongs to the store's own catalog; sellers cannot change it": (
        "This product belongs to the shop's own catalog: you can change only your own products."
    ),
}


def security_headers(settings: Settings) -> dict[str, str]:
    """Headers on every response: nothing runs but our own scripts and styles, forms post
    only here or to the payment provider, and no other site may frame the shop."""
    payments = urlsplit(settings.payments_url)
    payments_origin = f"{payments.scheme}://{payments.netloc}"
    policy = "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"form-action 'self' {payments_origin}",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }


class SecurityHeaders:
    """Adds `headers` to every HTTP response (static files and errors included)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.names = {name for name, _ in self.headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Static addresses made by the templates carry a digest of the content: cached for good.
        versioned = scope["path"].startswith("/static/") and scope["query_string"].startswith(b"v=")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k not in self.names]
                if versioned:
                    kept.append((b"cache-control", b"public, max-age=31536000, immutable"))
                message = {**message, "headers": kept + self.headers}  # never the app's own
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    payments: PaymentsClient | None = None,
) -> App:
    """Build the storefront. Tests pass their own `database` (and may pass a `payments` client
    bound to an in-process sandbox); otherwise one is opened from `settings` at startup and
    closed at shutdown."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Refuse to start with a placeholder secret, rather than at the first form.
        settings.resolved_session_secret  # noqa: B018
        # The upkeep is idempotent: the storefront runs it too, so it works on its own.
        async with upkeep.running(
            app, settings, owns_database=database is None, owns_payments=payments is None
        ):
            yield

    app = App(
        title="Shopkeep storefront",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.payments = upkeep.payments_client(settings, payments)
    app.state.renderer = Renderer(settings)
    if database is not None:
        app.state.database = database
    headers = security_headers(settings)
    _install_error_pages(app, headers)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(SecurityHeaders, headers=headers)
    # In front of FastAPI's own layers: a kept grid page is sent before they run.
    app.add_front(GridPageCache)
    telemetry.install(
        app,
        "web",
        outboxes=upkeep.OUTBOXES,
        migrations=STORE_MIGRATIONS,
        version_table="alembic_version",
        access_log=settings.access_log,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSON:
        return JSON({"status": "ok"})

    for module in (
        shop,
        cart,
        orders,
        sell,
        sell_orders,
        admin,
        admin_products,
        admin_mail,
        admin_pricing,
    ):
        app.include_router(module.router)
    return app


def _install_error_pages(app: FastAPI, headers: dict[str, str]) -> None:
    """Errors become friendly HTML pages (JSON for the page's own script)."""

    async def error_page(request: Request, status: int, detail: str | None) -> Response:
        title, default = ERROR_TITLES.get(status, ERROR_TITLES[400])
        message = DETAIL_WORDS.get(detail or "", detail) or default
        if "application/json" in request.headers.get("accept", ""):
            return JSON({"detail": message}, status_code=status)
        badge = Badge()
        if status < 500:
            with contextlib.suppress(Exception):
                badge = await request.app.state.database.read(cart_badge, cart_id_of(request))
        renderer: Renderer = request.app.state.renderer
        return renderer.page(
            request,
            "error.html",
            {"status": status, "title": title, "message": message},
            badge=badge,
            status=status,
        )

    async def shop_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ShopError)
        return await error_page(request, exc.status_code, exc.detail)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        # Starlette's own sentences ("Not Found") are not for shoppers.
        response = await error_page(request, exc.status_code, None)
        response.headers.update(exc.headers or {})
        return response

    async def invalid_request(request: Request, exc: Exception) -> Response:
        return await error_page(request, 400, None)

    async def server_error(request: Request, exc: Exception) -> Response:
        # This runs outside every middleware: the security headers are added here.
        response = await error_page(request, 500, None)
        response.headers.update(headers)
        return response

    async def log_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LogInFirst)
        return exc.response

    app.add_exception_handler(LogInFirst, log_in_first)
    app.add_exception_handler(ShopError, shop_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, server_error)
