"""Catalog responses answered from memory, before the framework routes the request.

Shops get most of their traffic on a few catalog pages. Each `GET` of the catalog (product
lists with any query, a product, its related products, categories, brands) is kept as the bytes
sent, under the catalog version read before the response was made. A request is answered from
memory only while the version is still the same: the version moves with every change to a
product or category, made by any process (see `shopkeep.catalog.version`), so a cached answer is
never older than the catalog. At most `max_bytes` of responses are kept, least recently used
first out.

Catalog responses carry an `ETag` (a hash of the body, the same in every process) and
`Cache-Control: no-cache`; a request whose `If-None-Match` names the current body gets a 304.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopkeep.catalog.responses import CatalogResponses, captured, catalog_version

CATALOG_PATHS = re.compile(r"/(?:products(?:/\d+(?:/related)?)?|categories(?:/\d+)?|brands)")
# Memory an entry takes beyond its body and headers' bytes, as measured in a store process:
# 3,846 product pages of 2.9 KB raised its RSS by 28 MB, 7.3 KB each (the key, the messages,
# the header lists and tuples, the entry, and the heap left around them between requests).
ENTRY_OVERHEAD = 4_096
# Some 2,200 product pages of 10 products (3 KB of JSON each), hot and cold.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CachedResponse:
    start: Message
    body: Message
    etag: bytes
    not_modified: Message
    size: int
    route: Any  # the route that made it, for the request telemetry's labels


class CatalogResponseCache:
    """ASGI middleware of the store app (outermost, so that a hit costs almost nothing)."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.app = app
        self.responses: CatalogResponses[CachedResponse] = CatalogResponses(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not CATALOG_PATHS.fullmatch(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        version = await catalog_version(getattr(scope["app"].state, "database", None))
        if version is None:
            await self.app(scope, receive, send)
            return
        key = scope["path"] + "?" + scope["query_string"].decode("latin-1")
        entry = self.responses.at(version).get(key)
        if entry is None:
            entry = await self._respond(scope, receive, send)
            if entry is None:
                return
            self.responses.put(version, key, entry)
        else:
            scope["route"] = entry.route
        if _names(scope, entry.etag):
            await send(entry.not_modified)
            await send(_EMPTY_BODY)
            return
        await send(entry.start)
        await send(entry.body)

    async def _respond(self, scope: Scope, receive: Receive, send: Send) -> CachedResponse | None:
        """The app's response, kept if it is a complete 200; anything else is sent as made."""
        start, body = await captured(self.app, scope, receive, send)
        if start is None:
            return None
        if start["status"] != 200:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return None
        return cached_response(start, body, scope.get("route"))


def cached_response(start: Message, body: bytes, route: Any) -> CachedResponse:
    etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
    headers = [
        (name, value)
        for name, value in start.get("headers", [])
        if name not in (b"etag", b"cache-control")
    ]
    validators = [(b"etag", etag), (b"cache-control", b"no-cache")]
    kept_start = {**start, "headers": [*headers, *validators]}
    not_modified_headers = [
        (name, value) for name, value in headers if name not in (b"content-length", b"content-type")
    ]
    size = ENTRY_OVERHEAD + len(body) + sum(len(n) + len(v) for n, v in headers)
    return CachedResponse(
        start=kept_start,
        body={"type": "http.response.body", "body": body},
        etag=etag,
        not_modified={
            "type": "http.response.start",
            "status": 304,
            "headers": [*not_modified_headers, *validators],
        },
        size=size,
        route=route,
    )


_EMPTY_BODY: Message = {"type": "http.response.body", "body": b""}


def _names(scope: Scope, etag: bytes) -> bool:
    """Whether the request's `If-None-Match` names `etag` (weak comparison, RFC 9110 13.1.2)."""
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            if value.strip() == b"*":
                return True
            return any(tag.strip().removeprefix(b"W/") == etag for tag in value.split(b","))
    return False
