"""The framework floor: FastAPI with one route returning the same precomputed bytes as the ceiling.

The gap between this and the ceiling is what FastAPI's routing and request handling cost; a store
built on FastAPI can come close to this rate only when its own work per request is small.
"""

from __future__ import annotations

from fastapi import FastAPI, Response

from bench.catalog import database_path, default_page_bytes

BODY = default_page_bytes(database_path())

app = FastAPI(title="Shopkeep bench: framework floor")


@app.get("/products")
async def default_page() -> Response:
    return Response(content=BODY, media_type="application/json")
