"""An ASGI app for the accept test: `/busy` holds its process's event loop for 20 ms (as a
costly uncached query does), `/ping` answers at once, `/order` lists the paths in the order
their requests began."""

from __future__ import annotations

import time

import orjson
from starlette.types import Receive, Scope, Send

BUSY_S = 0.02
began: list[str] = []


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    body = b"ok"
    if path == "/order":
        body = orjson.dumps(began)
    else:
        began.append(path)
        if path == "/busy":
            time.sleep(BUSY_S)  # noqa: ASYNC251  # the loop is held, as by work that never awaits
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
