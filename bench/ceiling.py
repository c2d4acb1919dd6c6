"""The ceiling: a bare ASGI app answering every request with precomputed bytes.

It does no routing, no validation and no serialization per request, so its rate is what the
server stack (uvicorn, the event loop, the HTTP parser) can deliver on this machine.
"""

from __future__ import annotations

from typing import Any

from bench.catalog import database_path, default_page_bytes

Scope = dict[str, Any]
Message = dict[str, Any]

BODY = default_page_bytes(database_path())
START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(BODY)).encode()),
    ],
}
RESPONSE_BODY = {"type": "http.response.body", "body": BODY}


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    await send(START)
    await send(RESPONSE_BODY)


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message: Message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
