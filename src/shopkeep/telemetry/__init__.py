"""What an operator watches on each app: `/metrics` (Prometheus' text format), `/readyz`, and
request ids carried by every log line of a request (see `logs`, `metrics`, `middleware`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from shopkeep.errors import error_responses
from shopkeep.http import JSON, App
from shopkeep.telemetry.metrics import CacheCounts, Outbox, exposition
from shopkeep.telemetry.middleware import RequestTelemetry
from shopkeep.telemetry.readiness import not_ready_because

__all__ = ["Outbox", "install"]


def install(
    app: App,
    name: str,
    *,
    outboxes: Sequence[Outbox],
    migrations: Path,
    version_table: str,
    access_log: bool,
) -> None:
    """Add `/metrics` and `/readyz` to `app`, and the request telemetry in front of every other
    layer (call it after adding the others)."""

    # Machines read it, in Prometheus' format rather than JSON: left out of the API's schema.
    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        body = await exposition(request.app.state.database, outboxes, _caches(app))
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @app.get("/readyz", tags=["health"], responses=error_responses(503))
    async def readyz(request: Request) -> JSON:
        """200 when the database answers and is migrated to this release's schema; 503 with
        the reason otherwise (a proxy or orchestrator sends no traffic here until then)."""
        reason = await not_ready_because(request.app.state.database, migrations, version_table)
        if reason is not None:
            return JSON({"detail": reason}, status_code=503)
        return JSON({"status": "ready"})

    app.add_front(RequestTelemetry, name=name, router=app.router, access_log=access_log)


def _caches(app: App) -> list[CacheCounts]:
    """The response caches among the app's layers (the store's catalog cache keeps its
    responses in `.responses`, with hit and miss counts)."""
    found = []
    for layer in app.layers():
        kept = getattr(layer, "responses", None)
        if kept is not None and hasattr(kept, "hits"):
            name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(layer).__name__).lower()
            found.append(CacheCounts(name, kept.hits, kept.misses, len(kept), kept.bytes))
    return found
