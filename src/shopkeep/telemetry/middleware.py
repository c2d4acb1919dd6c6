"""The outermost layer of every app: a request id, the request's metrics, its access line."""

from __future__ import annotations

import logging
import time

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopkeep.telemetry import metrics
from shopkeep.telemetry.logs import request_id, request_id_from

access = logging.getLogger("shopkeep.access")

# Paths answered before routing (cached responses) are matched to a route once each, up to this
# many; others are labelled by a route match each time.
MAX_REMEMBERED_PATHS = 10_000
UNMATCHED = "(unmatched)"


class RequestTelemetry:
    def __init__(self, app: ASGIApp, *, name: str, router: ASGIApp, access_log: bool) -> None:
        self.app = app
        self.name = name
        self.router = router
        self.access_log = access_log
        self._routes_of_paths: dict[tuple[str, str], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        header = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        current = request_id_from(header)
        token = request_id.set(current)
        id_header = (b"x-request-id", current.encode("ascii"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A copy: the message may be one the app keeps and sends again (a cached answer).
                message = {**message, "headers": [*message.get("headers", []), id_header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = self._route(scope)
            metrics.observe(self.name, scope["method"], route, status, seconds)
            if self.access_log:
                access.info(
                    "%s %s %d",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={"route": route, "status": status, "ms": round(seconds * 1000, 2)},
                )
            request_id.reset(token)

    def _route(self, scope: Scope) -> str:
        route = scope.get("route")
        path = getattr(route, "path", None)
        if isinstance(path, str):
            return path
        key = (scope["method"], scope["path"])
        if (known := self._routes_of_paths.get(key)) is not None:
            return known
        found = UNMATCHED
        for candidate in getattr(self.router, "routes", ()):
            match, _ = candidate.matches(scope)
            if match is Match.FULL:
                found = getattr(candidate, "path", UNMATCHED)
                break
        if len(self._routes_of_paths) < MAX_REMEMBERED_PATHS and found != UNMATCHED:
            self._routes_of_paths[key] = found
        return found
