"""Product grid pages answered from memory for shoppers without a cart.

A grid page (`GET /` with any query) shows the catalog, the cart badge, a one-time message and
the browser's form token. Without a cart and a message, only the form token differs between
two shoppers: the page is kept with its token taken out, under the catalog version read before
it was made (see `shopkeep.catalog.responses`), and each request gets it with its own token put
back in, and its new form-token cookie when it had none. Any other request goes through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from shopkeep.catalog.responses import CatalogResponses, captured, catalog_version
from shopkeep.web import csrf

DEFAULT_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class KeptPage:
    """A grid page as made for a first visit, cut where its form-token seed (in the cookie)
    and its token (in the body) go: each request joins the pieces with its own."""

    status: int
    headers: list[tuple[bytes, list[bytes]]]
    returning_headers: list[tuple[bytes, bytes]]  # for a browser that has its seed already
    body: list[bytes]
    size: int
    route: Any  # the route that made it, for the request telemetry's labels


class GridPageCache:
    """ASGI middleware of the storefront app."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.app = app
        self.pages: CatalogResponses[KeptPage] = CatalogResponses(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/":
            await self.app(scope, receive, send)
            return
        seed = _only_form_seed(scope["headers"])
        state: Any = scope["app"].state
        version = None if seed is None else await catalog_version(getattr(state, "database", None))
        if version is None or seed is None:
            await self.app(scope, receive, send)
            return
        # The form-token cookie is `Secure` over https: pages are kept per scheme.
        key = scope.get("scheme", "http") + "?" + scope["query_string"].decode("latin-1")
        secret = state.settings.resolved_session_secret
        entry = self.pages.at(version).get(key)
        if entry is None:
            if seed:  # pages are kept as made for a first visit, with the cookie they set
                await self.app(scope, receive, send)
                return
            made = await self._make(scope, receive, send, secret)
            if made is not None:
                self.pages.put(version, key, made)
            return
        scope["route"] = entry.route
        fresh = seed or csrf.new_seed()
        if seed:
            headers = entry.returning_headers
        else:  # the cookie the page set when it was made, with this browser's seed
            seeded = fresh.encode()
            headers = [(name, seeded.join(parts)) for name, parts in entry.headers]
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        body = csrf.token(secret, fresh).encode().join(entry.body)
        await send({"type": "http.response.body", "body": body})

    async def _make(
        self, scope: Scope, receive: Receive, send: Send, secret: str
    ) -> KeptPage | None:
        """Send the app's page; return it with its token taken out, if it can be kept."""
        start, body = await captured(self.app, scope, receive, send)
        assert start is not None
        await send(start)
        await send({"type": "http.response.body", "body": body})
        used = _set_seed(start["headers"])
        if start["status"] != 200 or used is None:
            return None
        token = csrf.token(secret, used).encode()
        if token not in body:
            return None
        seeded = used.encode()
        headers = [
            (name, value.split(seeded) if name == b"set-cookie" else [value])
            for name, value in start["headers"]
        ]
        return KeptPage(
            status=start["status"],
            headers=headers,
            returning_headers=[(n, v) for n, v in start["headers"] if n != b"set-cookie"],
            body=body.split(token),
            size=len(body) + 512,
            route=scope.get("route"),
        )


def _only_form_seed(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The form-token seed of a request whose only cookie is that one ("" for none); None when
    it has other cookies (a cart, a message, a seller's session) or a malformed seed."""
    seed = ""
    for name, value in headers:
        if name != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            cookie, _, content = part.strip().partition("=")
            if cookie != csrf.COOKIE or not csrf.is_seed(content):
                return None
            seed = content
    return seed


def _set_seed(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"set-cookie" and value.startswith(csrf.COOKIE.encode() + b"="):
            return value.split(b";", 1)[0].split(b"=", 1)[1].decode("latin-1")
    return None
